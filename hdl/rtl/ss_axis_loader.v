`default_nettype none
// ss_axis_loader: bulk memory loads over AXI4-Stream (an AXI DMA's MM2S stream) for the spikesim system.
//
// Every stream word becomes an AXI4-Lite write of MEM_WDATA into the register block (axil_regs), so
// it takes exactly the path of a host MEM_WDATA write: it goes to the memory selected by MEM_SEL at
// MEM_ADDR, MEM_SEL.AUTO_INC steps MEM_ADDR after each accepted word, and while the core is busy
// the word is rejected (dropped, STATUS.WRITE_REJECTED, REJECT_COUNT). The stream is never stalled
// by a busy core. The host sets MEM_SEL (with AUTO_INC) and MEM_ADDR, then starts the DMA.
//
// The module sits on the write channels (AW, W, B) between the AXI4-Lite slave port of the system
// and axil_regs; the read channels bypass it. The stream gets the write channels only while no
// host write is in flight (AW or W accepted, B not yet delivered) and none is waiting; between two
// stream words a waiting host write goes first. One stream word is in flight at a time: 4 clocks per
// word. TLAST is accepted and ignored (a DMA transfer is just a run of words).
module ss_axis_loader #(
    parameter integer ADDR_W = 8
) (
    input  wire              aclk,
    input  wire              aresetn,
    // AXI4-Stream slave
    input  wire [31:0]       s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    input  wire              s_axis_tlast,
    // AXI4-Lite write channels from the bus (host)
    input  wire [ADDR_W-1:0] s_awaddr,
    input  wire [2:0]        s_awprot,
    input  wire              s_awvalid,
    output wire              s_awready,
    input  wire [31:0]       s_wdata,
    input  wire [3:0]        s_wstrb,
    input  wire              s_wvalid,
    output wire              s_wready,
    output wire [1:0]        s_bresp,
    output wire              s_bvalid,
    input  wire              s_bready,
    // AXI4-Lite write channels to the register block
    output wire [ADDR_W-1:0] m_awaddr,
    output wire [2:0]        m_awprot,
    output wire              m_awvalid,
    input  wire              m_awready,
    output wire [31:0]       m_wdata,
    output wire [3:0]        m_wstrb,
    output wire              m_wvalid,
    input  wire              m_wready,
    input  wire [1:0]        m_bresp,
    input  wire              m_bvalid,
    output wire              m_bready
);
`include "spikesim_regmap.vh"
    reg        own;             // the stream owns the register block's write channels
    reg        have;            // a stream word is captured and being written
    reg        aw_done, w_done; // its AW / W handshakes happened
    reg [31:0] word;
    reg [1:0]  h_aw, h_w;       // host AW / W handshakes whose B has not been delivered yet

    wire host_req = s_awvalid | s_wvalid;
    wire host_idle = (h_aw == 2'd0) && (h_w == 2'd0) && !host_req;

    assign s_awready = !own & m_awready;
    assign s_wready  = !own & m_wready;
    assign s_bvalid  = !own & m_bvalid;
    assign s_bresp   = m_bresp;
    assign m_awaddr  = own ? SPK_REG_MEM_WDATA[ADDR_W-1:0] : s_awaddr;
    assign m_awprot  = own ? 3'b000 : s_awprot;
    assign m_awvalid = own ? (have & !aw_done) : s_awvalid;
    assign m_wdata   = own ? word : s_wdata;
    assign m_wstrb   = own ? 4'hF : s_wstrb;
    assign m_wvalid  = own ? (have & !w_done) : s_wvalid;
    assign m_bready  = own | s_bready;
    assign s_axis_tready = own & !have & !host_req;

    wire h_aw_hs = s_awvalid & s_awready;
    wire h_w_hs  = s_wvalid & s_wready;
    wire h_b_hs  = s_bvalid & s_bready;

    always @(posedge aclk) begin
        if (!aresetn) begin
            own <= 1'b0;  have <= 1'b0;  aw_done <= 1'b0;  w_done <= 1'b0;  word <= 32'd0;
            h_aw <= 2'd0;  h_w <= 2'd0;
        end else begin
            h_aw <= h_aw + {1'b0, h_aw_hs} - {1'b0, h_b_hs};
            h_w  <= h_w + {1'b0, h_w_hs} - {1'b0, h_b_hs};
            if (!own) begin
                if (s_axis_tvalid && host_idle) own <= 1'b1;
            end else if (!have) begin
                if (s_axis_tvalid && !host_req) begin            // s_axis_tready: take the word
                    word <= s_axis_tdata;  have <= 1'b1;  aw_done <= 1'b0;  w_done <= 1'b0;
                end else own <= 1'b0;                            // nothing to send, or the host waits
            end else begin
                if (m_awready & !aw_done) aw_done <= 1'b1;
                if (m_wready & !w_done) w_done <= 1'b1;
                if (m_bvalid & aw_done & w_done) have <= 1'b0;   // the write is done
            end
        end
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_last = &{1'b0, s_axis_tlast};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule
`default_nettype wire
