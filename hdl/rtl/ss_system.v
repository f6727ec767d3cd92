`default_nettype none
// spikesim system: the neuron core (ss_core) behind the AXI4-Lite register block (axil_regs).
//
// * Runs: CTRL.START runs STEPS steps (0: until CTRL.STOP) by pulsing the core's tick; after each
//   step the spikes of that step (neurons, then spike sources) are copied into the spike FIFO.
//   When the FIFO is full the run waits (the host drains SPIKE_DATA while it runs): no spike is
//   ever dropped, so OVERFLOW_COUNT stays 0.
// * Spike words (SPIKE_DATA.DATA, 31 bits): {step[30-SB:0], index[SB-1:0]}: the global index
//   (neurons, then spike sources) and the step modulo 2**(31-SB).
// * Memories (MEM_SEL / MEM_ADDR / MEM_RDATA / MEM_WDATA), host access only while idle:
//   STATE  word address {neuron, field[SLB-1:0]}: fields v, refr|u, I_0 .. (Q16.16, two's complement)
//   PARAM  word address {neuron, field[PLB-1:0]}: the parameter word's 32-bit fields
//   WEIGHT / DELAY / TARGET: per synapse in fan-out (CSR) order: Q8.16 weight sign-extended,
//          delay in steps (1 .. 2**RB), global target neuron
//   ROW_PTR: first synapse of source i (i = 0 .. NSRC; entry NSRC = number of synapses)
//   Reads answer 3 clocks after mem_re. Other memory ids read 0.
//   Writes (mem_we, one clock): STATE, PARAM, WEIGHT (low WB bits kept), DELAY (stored mod 2**RB,
//   so 2**RB reads back as 2**RB), TARGET; the core read-modify-writes the word it read in the clock
//   before from the live MEM_SEL/MEM_ADDR. ROW_PTR and other ids ignore writes. axil_regs rejects
//   writes while busy (STATUS.WRITE_REJECTED, REJECT_COUNT), so they never reach the core.
// * Bulk loads: the AXI4-Stream port s_axis (an AXI DMA's MM2S) turns every word into a MEM_WDATA
//   write through the register block (ss_axis_loader.v: same memory, AUTO_INC and busy rejection).
// * Reset (aresetn or CTRL.SOFT_RESET), also in the middle of a run: controller, counters and FIFO
//   are reset, then the core clears its delay ring, iext RAM and STDP traces (2**(RB+NB) clocks, with
//   STDP 2**(RB+SB); STATUS.BUSY = 1). STATE/PARAM/synapse RAMs keep their contents: the host rewrites
//   STATE (and, with STDP, the initial weights) to restart from t = 0.
module ss_system #(
    parameter integer MODEL = 0, NETM = 0, DTV = 0, N = 8, NB = 3, SB = 4, NCUR = 1, CB = 2, RB = 1,
    parameter integer YB = 1, WB = 24, IEB = 1, IEXT = 1, SEB = 1,
    parameter integer NSRC = 8,        // neurons + spike sources
    // the STDP unit (ss_stdp.v), passed through to the core (STDP = 0: none; see ss_core.v)
    parameter integer STDP = 0, QB = 1, CPB = 1,
    parameter integer PAIR = 0, MULT = 0, AP = 0, AM = 0, WMIN = 0, WMAX = 0, DPRE = 0, DPOST = 0, RKB = 1,
    parameter CPTR_FILE = "", CSC_FILE = "", ROLE_FILE = "",
    // three-factor, modulator and astrocyte (ss_core.v, ss_stdp.v, ss_mod.v); MODULATOR is the core's register
    parameter integer ELIG = 0, SCALED = 0, EDEC = 0, LR = 0, LRB = 0, DRIFT = 0, TWMIN = 0, TWMAX = 0,
    parameter integer PERIOD = 1, NPLS = 0, NPL = 1, MODK = 0, MDEC = 0, MBIAS = 0, MG0 = 0, MG1 = 0, MINIT = 0,
    parameter MSRC_FILE = "",
    parameter integer SLB = 2,         // state field bits, 2**SLB >= 2 + NCUR
    parameter integer PLB = 3,         // parameter field bits, 2**PLB >= fields of a parameter word
    parameter integer FIFO_AW = 10,    // spike FIFO depth 2**FIFO_AW
    parameter integer ADDR_W = 8,
    parameter [31:0] HW_INFO0 = 32'h0,
    parameter [31:0] HW_INFO1 = 32'h0,
    parameter PARAM_FILE = "", STATE_FILE = "", PTR_FILE = "", SYN_FILE = "", IEV_FILE = "", SEV_FILE = ""
) (
    input  wire              aclk,
    input  wire              aresetn,
    input  wire [ADDR_W-1:0] s_axil_awaddr,
    input  wire [2:0]        s_axil_awprot,
    input  wire              s_axil_awvalid,
    output wire              s_axil_awready,
    input  wire [31:0]       s_axil_wdata,
    input  wire [3:0]        s_axil_wstrb,
    input  wire              s_axil_wvalid,
    output wire              s_axil_wready,
    output wire [1:0]        s_axil_bresp,
    output wire              s_axil_bvalid,
    input  wire              s_axil_bready,
    input  wire [ADDR_W-1:0] s_axil_araddr,
    input  wire [2:0]        s_axil_arprot,
    input  wire              s_axil_arvalid,
    output wire              s_axil_arready,
    output wire [31:0]       s_axil_rdata,
    output wire [1:0]        s_axil_rresp,
    output wire              s_axil_rvalid,
    input  wire              s_axil_rready,
    // AXI4-Stream slave (an AXI DMA's MM2S): bulk MEM_WDATA writes, see ss_axis_loader.v; tie tvalid to 0 if unused
    input  wire [31:0]       s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    input  wire              s_axis_tlast,
    output wire              irq
);
`include "spikesim_regmap.vh"
    wire        core_start, core_stop, core_soft_reset;
    wire [31:0] core_steps, core_modulator, mod_value;
    wire        mod_we;
    reg         sys_busy, sys_done;
    wire [7:0]  mem_sel;
    wire [31:0] mem_addr, mem_wdata;
    wire        mem_we, mem_re;
    reg  [31:0] mem_rdata;
    reg         mem_rvalid;
    wire        spk_pop;
    wire [31:0] step, sat_count, spike_count, host_rdata;
    wire        cbusy, cdone;

    // ------------------------------------------------------------------ spike FIFO (first-word fall-through)
    reg  [FIFO_AW:0]   wptr, wptr_q, rptr;
    wire [FIFO_AW:0]   fifo_used = wptr - rptr;
    wire [31:0]        fifo_count = {{(31-FIFO_AW){1'b0}}, fifo_used};
    wire               fifo_full = fifo_used[FIFO_AW];
    wire               fifo_valid = (wptr_q != rptr);   // an entry written at least one clock ago
    wire [30:0]        fifo_head;
    reg                fifo_we;
    reg  [30:0]        fifo_wdata;
    wire               do_pop = spk_pop && fifo_valid;
    wire [FIFO_AW:0]   rptr_next = rptr + {{FIFO_AW{1'b0}}, do_pop};
    // the stream loader shares the register block's write channels with the host (ss_axis_loader.v)
    wire [ADDR_W-1:0] r_awaddr;
    wire [2:0]        r_awprot;
    wire [31:0]       r_wdata;
    wire [3:0]        r_wstrb;
    wire [1:0]        r_bresp;
    wire              r_awvalid, r_awready, r_wvalid, r_wready, r_bvalid, r_bready;
    ss_axis_loader #(.ADDR_W(ADDR_W)) u_loader (
        .aclk(aclk), .aresetn(aresetn),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .s_axis_tlast(s_axis_tlast),
        .s_awaddr(s_axil_awaddr), .s_awprot(s_axil_awprot), .s_awvalid(s_axil_awvalid), .s_awready(s_axil_awready),
        .s_wdata(s_axil_wdata), .s_wstrb(s_axil_wstrb), .s_wvalid(s_axil_wvalid), .s_wready(s_axil_wready),
        .s_bresp(s_axil_bresp), .s_bvalid(s_axil_bvalid), .s_bready(s_axil_bready),
        .m_awaddr(r_awaddr), .m_awprot(r_awprot), .m_awvalid(r_awvalid), .m_awready(r_awready),
        .m_wdata(r_wdata), .m_wstrb(r_wstrb), .m_wvalid(r_wvalid), .m_wready(r_wready),
        .m_bresp(r_bresp), .m_bvalid(r_bvalid), .m_bready(r_bready));
    axil_regs #(.ADDR_W(ADDR_W), .HW_INFO0(HW_INFO0), .HW_INFO1(HW_INFO1), .MEM_TIMEOUT(16), .MOD_CORE(1)) u_regs (
        .aclk(aclk), .aresetn(aresetn),
        .s_axil_awaddr(r_awaddr), .s_axil_awprot(r_awprot), .s_axil_awvalid(r_awvalid),
        .s_axil_awready(r_awready), .s_axil_wdata(r_wdata), .s_axil_wstrb(r_wstrb),
        .s_axil_wvalid(r_wvalid), .s_axil_wready(r_wready), .s_axil_bresp(r_bresp),
        .s_axil_bvalid(r_bvalid), .s_axil_bready(r_bready), .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(s_axil_arprot), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .core_start(core_start), .core_stop(core_stop), .core_soft_reset(core_soft_reset),
        .core_steps(core_steps), .core_modulator(core_modulator), .core_modulator_we(mod_we),
        .core_modulator_rd(mod_value), .core_busy(sys_busy), .core_done(sys_done),
        .core_step_count(step), .core_overflow_count(32'd0), .core_sat_count(sat_count),
        .mem_sel(mem_sel), .mem_addr(mem_addr), .mem_wdata(mem_wdata), .mem_we(mem_we), .mem_re(mem_re),
        .mem_rdata(mem_rdata), .mem_rvalid(mem_rvalid),
        .spk_count(fifo_count), .spk_valid(fifo_valid), .spk_data(fifo_head), .spk_pop(spk_pop), .irq(irq));

    wire rst = !aresetn || core_soft_reset;
    ss_ram #(.W(31), .AW(FIFO_AW)) u_fifo (
        .clk(aclk), .re(1'b1), .raddr(rptr_next[FIFO_AW-1:0]), .rdata(fifo_head),
        .we(fifo_we), .waddr(wptr[FIFO_AW-1:0]), .wdata(fifo_wdata));

    // ------------------------------------------------------------------ host port of the core
    reg        tick, h_we;
    reg [2:0]  h_sel;
    reg [31:0] h_addr;
    reg [7:0]  h_lane;
    ss_core #(.MODEL(MODEL), .NETM(NETM), .DTV(DTV), .N(N), .NB(NB), .SB(SB), .NCUR(NCUR), .CB(CB), .RB(RB),
              .YB(YB), .WB(WB), .IEB(IEB), .IEXT(IEXT), .SEB(SEB), .STDP(STDP), .NSRC(NSRC), .QB(QB), .CPB(CPB), .PAIR(PAIR),
              .MULT(MULT), .AP(AP), .AM(AM), .WMIN(WMIN), .WMAX(WMAX), .DPRE(DPRE), .DPOST(DPOST), .RKB(RKB),
              .ELIG(ELIG), .SCALED(SCALED), .EDEC(EDEC), .LR(LR), .LRB(LRB), .DRIFT(DRIFT), .TWMIN(TWMIN),
              .TWMAX(TWMAX), .PERIOD(PERIOD), .NPLS(NPLS), .NPL(NPL), .MODK(MODK), .MDEC(MDEC), .MBIAS(MBIAS),
              .MG0(MG0), .MG1(MG1), .MINIT(MINIT), .MSRC_FILE(MSRC_FILE),
              .CPTR_FILE(CPTR_FILE), .CSC_FILE(CSC_FILE), .ROLE_FILE(ROLE_FILE), .PARAM_FILE(PARAM_FILE), .STATE_FILE(STATE_FILE),
              .PTR_FILE(PTR_FILE), .SYN_FILE(SYN_FILE), .IEV_FILE(IEV_FILE), .SEV_FILE(SEV_FILE)) u_core (
        .clk(aclk), .rst(rst), .tick(tick), .busy(cbusy), .done(cdone), .step(step), .sat_count(sat_count),
        .spike_count(spike_count), .host_sel(h_sel), .host_addr(h_addr), .host_lane(h_lane), .host_rdata(host_rdata),
        .host_we(h_we), .host_wdata(mem_wdata), .mod_we(mod_we), .mod_wdata(core_modulator), .mod_value(mod_value));


    // ------------------------------------------------------------------ run controller
    localparam [2:0] R_IDLE = 3'd0, R_TICK = 3'd1, R_WAIT = 3'd2, R_COPY = 3'd3, R_PUSH = 3'd4, R_END = 3'd5,
                     R_CLR = 3'd6, R_CLRW = 3'd7;
    reg [2:0]  rs;
    reg [31:0] left;
    reg        run_all, stop_req;
    reg [SB:0] j;
    // memory reads: 0 idle, 1 address latched, 2 data from the core
    reg [1:0]  mr;
    reg [7:0]  m_id;
    reg [31:0] m_addr;

    wire [31:0] spk_step = step - 32'd1;
    // idle: the host port follows the latched read address while a read is pending, else the live
    // MEM_SEL/MEM_ADDR, so the word a write modifies was read in the clock before mem_we
    wire [7:0]  a_id = (mr != 2'd0) ? m_id : mem_sel;
    wire [31:0] a_addr = (mr != 2'd0) ? m_addr : mem_addr;
    always @* begin
        h_sel = 3'd1;  h_addr = {{(31-SB){1'b0}}, j};  h_lane = 8'd0;  h_we = 1'b0;
        if (rs == R_CLR) begin
            h_sel = 3'd7;  h_we = 1'b1;                           // 7: clear the ring and iext
        end else if (rs == R_IDLE) begin
            h_lane = 8'd0;  h_addr = 32'd0;  h_sel = 3'd6;      // 6: no memory
            h_we = mem_we && (a_id == SPK_MEM_STATE || a_id == SPK_MEM_PARAM || a_id == SPK_MEM_WEIGHT ||
                              a_id == SPK_MEM_DELAY || a_id == SPK_MEM_TARGET);
            case (a_id)
                SPK_MEM_STATE:   begin h_sel = 3'd0;  h_addr = a_addr >> SLB;  h_lane = a_addr[7:0] & ((8'd1 << SLB) - 8'd1); end
                SPK_MEM_PARAM:   begin h_sel = 3'd3;  h_addr = a_addr >> PLB;  h_lane = a_addr[7:0] & ((8'd1 << PLB) - 8'd1); end
                SPK_MEM_WEIGHT:  begin h_sel = 3'd4;  h_addr = a_addr;  h_lane = 8'd0; end
                SPK_MEM_DELAY:   begin h_sel = 3'd4;  h_addr = a_addr;  h_lane = 8'd1; end
                SPK_MEM_TARGET:  begin h_sel = 3'd4;  h_addr = a_addr;  h_lane = 8'd2; end
                SPK_MEM_ELIG:    begin h_sel = 3'd6;  h_addr = a_addr;  h_lane = 8'd0; end     // read only
                SPK_MEM_ROW_PTR: begin
                    h_sel = 3'd5;
                    h_addr = (a_addr == NSRC) ? a_addr - 32'd1 : a_addr;
                    h_lane = (a_addr == NSRC) ? 8'd1 : 8'd0;
                end
                default: ;
            endcase
        end
    end

    always @(posedge aclk) begin
        tick <= 1'b0;
        sys_done <= 1'b0;
        fifo_we <= 1'b0;
        mem_rvalid <= 1'b0;
        wptr_q <= wptr;
        if (rst) begin
            rs <= R_CLR;  sys_busy <= 1'b1;  stop_req <= 1'b0;  mr <= 2'd0;
            wptr <= 0;  wptr_q <= 0;  rptr <= 0;
        end else begin
            rptr <= rptr_next;
            if (fifo_we) wptr <= wptr + 1'b1;
            if (core_stop) stop_req <= 1'b1;
            case (rs)
                R_IDLE: begin
                    if (core_start) begin
                        left <= core_steps;  run_all <= (core_steps == 32'd0);  stop_req <= 1'b0;
                        sys_busy <= 1'b1;  rs <= R_TICK;
                    end
                    // host memory reads (issued only while idle)
                    if (mem_re) begin
                        m_id <= mem_sel;  m_addr <= mem_addr;  mr <= 2'd1;
                    end else if (mr == 2'd1) mr <= 2'd2;
                    else if (mr == 2'd2) begin
                        mr <= 2'd0;  mem_rvalid <= 1'b1;
                        mem_rdata <= (m_id == SPK_MEM_DELAY && host_rdata == 32'd0) ? (32'd1 << RB) :
                                     (m_id > SPK_MEM_STATE && m_id != SPK_MEM_ELIG) ? 32'd0 : host_rdata;
                    end
                end
                R_TICK: if (stop_req || (!run_all && left == 32'd0)) rs <= R_END;
                        else begin tick <= 1'b1;  rs <= R_WAIT; end
                R_WAIT: if (cdone) begin j <= 0;  rs <= R_COPY; end
                R_COPY: if (j == spike_count[SB:0]) begin
                            left <= left - 32'd1;  rs <= R_TICK;
                        end else if (!fifo_full && !fifo_we) rs <= R_PUSH;     // the core reads list[j] now
                R_PUSH: begin
                    fifo_we <= 1'b1;
                    fifo_wdata <= {spk_step[30-SB:0], host_rdata[SB-1:0]};
                    j <= j + 1'b1;  rs <= R_COPY;
                end
                R_END: begin sys_busy <= 1'b0;  sys_done <= 1'b1;  rs <= R_IDLE; end
                R_CLR: rs <= R_CLRW;                                  // the core starts its clear sweep
                R_CLRW: if (!cbusy) begin sys_busy <= 1'b0;  rs <= R_IDLE; end
            endcase
        end
    end
    wire unused_sys = &{1'b0, host_rdata, spike_count, spk_step, 1'b0};
endmodule
`default_nettype wire
