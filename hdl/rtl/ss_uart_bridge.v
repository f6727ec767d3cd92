`default_nettype none
// UART to AXI4-Lite bridge: a host drives the spikesim register map over a serial line (boards
// without a hard CPU). Protocol (docs/uart.md; host side: spikesim/fpga/uart.py), 8N1 at BAUD:
//
//   request  A5 | CMD | LEN | PAYLOAD (LEN bytes) | CRC_HI | CRC_LO
//   response 5A | CMD | STATUS | LEN | PAYLOAD (LEN bytes) | CRC_HI | CRC_LO
//
// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over CMD .. PAYLOAD (response: CMD .. PAYLOAD,
// STATUS and LEN included), sent high byte first; 32-bit words are little endian.
// Commands (ADDR: register byte offset):
//   01 READ         [ADDR]                   -> 4 bytes: the register
//   02 WRITE        [ADDR, word]             -> nothing
//   03 WRITE_BURST  [ADDR, word x n], n 1..63 -> nothing: n writes to ADDR in order (MEM_WDATA with
//                                              MEM_SEL.AUTO_INC fills consecutive memory words)
//   04 READ_BURST   [ADDR, n], n 1..63        -> 4n bytes: n reads of ADDR (MEM_RDATA + AUTO_INC)
//   05 READ_STREAM  [ADDR, k], k 1..63        -> 4m bytes: reads ADDR until a word with bit 31 = 0
//                                              (SPIKE_DATA.VALID) or k words; the invalid word is
//                                              not sent (m <= k)
//   06 INFO         []                        -> 4 bytes: {0, 63 (max words), err_count, version 1}
// STATUS: 0 OK, 1 CRC_ERROR, 2 BAD_LENGTH, 3 UNKNOWN_COMMAND, 4 BUS_ERROR, 5 FRAMING_ERROR, 6 TIMEOUT.
// A frame is checked whole before anything reaches the bus: a byte with a missing stop bit
// (FRAMING_ERROR), a CRC mismatch, an unknown command or a bad length is answered with that status
// and never applied. BUS_ERROR: the slave answered SLVERR/DECERR (a burst stops at that word).
// Frame bytes more than TIMEOUT_BITS bit times apart end the frame (TIMEOUT, or FRAMING_ERROR if a
// byte of it had one) and the receiver hunts for A5 again; bytes before A5 are skipped (one with a
// framing error counts). Half duplex: bytes arriving while a command runs or its response is sent
// are dropped. err_count: frames answered with a status other than OK, plus framing errors
// between frames; saturates at 255, cleared by rstn only.
module ss_uart_bridge #(
    parameter integer CLK_HZ = 25000000,
    parameter integer BAUD = 115200,
    parameter integer ADDR_W = 8,           // AXI address bits (the register offset is one byte)
    parameter integer TIMEOUT_BITS = 1024   // inter-byte timeout within a frame, in bit times
) (
    input  wire              clk,
    input  wire              rstn,
    input  wire              rx,
    output wire              tx,
    output wire [ADDR_W-1:0] m_axil_awaddr,
    output wire [2:0]        m_axil_awprot,
    output reg               m_axil_awvalid,
    input  wire              m_axil_awready,
    output wire [31:0]       m_axil_wdata,
    output wire [3:0]        m_axil_wstrb,
    output reg               m_axil_wvalid,
    input  wire              m_axil_wready,
    input  wire [1:0]        m_axil_bresp,
    input  wire              m_axil_bvalid,
    output wire              m_axil_bready,
    output wire [ADDR_W-1:0] m_axil_araddr,
    output wire [2:0]        m_axil_arprot,
    output reg               m_axil_arvalid,
    input  wire              m_axil_arready,
    input  wire [31:0]       m_axil_rdata,
    input  wire [1:0]        m_axil_rresp,
    input  wire              m_axil_rvalid,
    output wire              m_axil_rready,
    output wire [7:0]        err_count
);
    localparam integer CPB = CLK_HZ / BAUD;           // clocks per bit
    localparam [31:0] TIMEOUT_CLKS = TIMEOUT_BITS * CPB;
    generate
        if (CPB < 8 || CPB > 65535) begin : g_bad_clock
            // elaboration error: CLK_HZ / BAUD must be 8 .. 65535 clocks per bit
            ss_uart_bridge_needs_CLK_HZ_over_BAUD_from_8_to_65535 u_error ();
        end
    endgenerate

    localparam [7:0] SYNC_REQ = 8'hA5, SYNC_RSP = 8'h5A, VERSION = 8'd1, MAXW = 8'd63;
    localparam [7:0] C_READ = 8'h01, C_WRITE = 8'h02, C_WBURST = 8'h03, C_RBURST = 8'h04, C_STREAM = 8'h05,
                     C_INFO = 8'h06;
    localparam [7:0] ST_OK = 8'd0, ST_CRC = 8'd1, ST_LEN = 8'd2, ST_CMD = 8'd3, ST_BUS = 8'd4, ST_FRAME = 8'd5,
                     ST_TIMEOUT = 8'd6;
    localparam [3:0] F_SYNC = 4'd0, F_CMD = 4'd1, F_LEN = 4'd2, F_PAY = 4'd3, F_CRC1 = 4'd4, F_CRC2 = 4'd5,
                     F_EXEC = 4'd6, F_WPREP = 4'd7, F_WADDR = 4'd8, F_WRESP = 4'd9, F_RADDR = 4'd10,
                     F_RDATA = 4'd11, F_TPREP = 4'd12, F_TSEND = 4'd13;

    // CRC-16/CCITT-FALSE, one byte (MSB first)
    function [15:0] crc16_byte(input [15:0] c, input [7:0] d);
        integer i;
        reg [15:0] x;
        begin
            x = c ^ {d, 8'h00};
            for (i = 0; i < 8; i = i + 1)
                x = x[15] ? ({x[14:0], 1'b0} ^ 16'h1021) : {x[14:0], 1'b0};
            crc16_byte = x;
        end
    endfunction

    wire [7:0] rx_data;
    wire       rx_valid, rx_ferr, tx_busy;
    reg  [7:0] tx_data;
    reg        tx_start;
    ss_uart_rx #(.CPB(CPB)) u_rx (.clk(clk), .rstn(rstn), .rx(rx), .data(rx_data), .valid(rx_valid), .ferr(rx_ferr));
    ss_uart_tx #(.CPB(CPB)) u_tx (.clk(clk), .rstn(rstn), .data(tx_data), .start(tx_start), .tx(tx), .busy(tx_busy));

    reg  [3:0]  fs;
    reg  [7:0]  cmd, len, nb, addr, arg, status, rlen, errs;
    reg  [15:0] crc;
    reg  [23:0] wsr;                  // the last three payload bytes (a word's low bytes)
    reg         ferr_seen;
    reg  [31:0] idle;                 // clocks since the last byte of the frame
    reg  [5:0]  wi, nw;               // word index, words of the command
    reg  [8:0]  ti;                   // response byte index
    reg  [5:0]  ra;                   // buffer read address

    // the word buffer: burst payload in, read data out (64 x 32, one read and one write port)
    wire [31:0] buf_q;
    wire        pay_word = fs == F_PAY && rx_valid && nb != 8'd0 && nb[1:0] == 2'd0;
    wire        rd_store = fs == F_RDATA && m_axil_rvalid && m_axil_rresp == 2'b00 && (cmd != C_STREAM || m_axil_rdata[31]);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [7:0]  nb_m1 = nb - 8'd1;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [5:0]  buf_wa = pay_word ? nb_m1[7:2] : wi;
    wire [31:0] buf_wd = pay_word ? {rx_data, wsr} : m_axil_rdata;
    ss_ram #(.W(32), .AW(6)) u_buf (.clk(clk), .re(1'b1), .raddr(ra), .rdata(buf_q), .we(pay_word || rd_store),
                                    .waddr(buf_wa), .wdata(buf_wd));

    /* verilator lint_off UNUSEDSIGNAL */
    wire [ADDR_W+7:0] addr_ext = {{ADDR_W{1'b0}}, addr};
    /* verilator lint_on UNUSEDSIGNAL */
    assign m_axil_awaddr = addr_ext[ADDR_W-1:0];
    assign m_axil_araddr = addr_ext[ADDR_W-1:0];
    assign m_axil_awprot = 3'b000;
    assign m_axil_arprot = 3'b000;
    assign m_axil_wdata = buf_q;
    assign m_axil_wstrb = 4'hF;
    assign m_axil_bready = fs == F_WRESP;
    assign m_axil_rready = fs == F_RDATA;
    assign err_count = errs;

    // response bytes: 5A, CMD, STATUS, LEN, payload, CRC_HI, CRC_LO
    wire [31:0] info = {8'd0, MAXW, errs, VERSION};
    wire [31:0] pword = cmd == C_INFO ? info : buf_q;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [8:0]  ti_pay = ti - 9'd4;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [8:0]  rl9 = {1'b0, rlen};
    reg  [7:0]  tbyte;
    always @* begin
        case (ti[1:0])
            2'd0: tbyte = pword[7:0];
            2'd1: tbyte = pword[15:8];
            2'd2: tbyte = pword[23:16];
            default: tbyte = pword[31:24];
        endcase
        if (ti == 9'd0) tbyte = SYNC_RSP;
        else if (ti == 9'd1) tbyte = cmd;
        else if (ti == 9'd2) tbyte = status;
        else if (ti == 9'd3) tbyte = rlen;
        else if (ti == rl9 + 9'd4) tbyte = crc[15:8];
        else if (ti == rl9 + 9'd5) tbyte = crc[7:0];
    end
    wire [15:0] crc_next = crc16_byte(crc, fs == F_TSEND ? tbyte : rx_data);
    wire        in_frame = fs == F_CMD || fs == F_LEN || fs == F_PAY || fs == F_CRC1 || fs == F_CRC2;
    wire        len_ok = (cmd == C_READ && len == 8'd1) || (cmd == C_WRITE && len == 8'd5)
                         || (cmd == C_WBURST && len >= 8'd5 && len <= 8'd253 && len[1:0] == 2'b01)
                         || ((cmd == C_RBURST || cmd == C_STREAM) && len == 8'd2 && arg != 8'd0 && arg <= MAXW)
                         || (cmd == C_INFO && len == 8'd0);
    wire        known = cmd == C_READ || cmd == C_WRITE || cmd == C_WBURST || cmd == C_RBURST || cmd == C_STREAM
                        || cmd == C_INFO;

    task respond(input [7:0] st, input [7:0] n);
        begin
            status <= st;
            rlen <= n;
            ti <= 9'd0;
            crc <= 16'hFFFF;
            fs <= F_TPREP;
            if (st != ST_OK && errs != 8'hFF) errs <= errs + 8'd1;
        end
    endtask

    always @(posedge clk) begin
        if (!rstn) begin
            fs <= F_SYNC;
            {cmd, len, nb, addr, arg, status, rlen, errs} <= 64'd0;
            crc <= 16'hFFFF;
            wsr <= 24'd0;
            ferr_seen <= 1'b0;
            idle <= 32'd0;
            {wi, nw, ra} <= 18'd0;
            ti <= 9'd0;
            tx_data <= 8'hFF;
            tx_start <= 1'b0;
            m_axil_awvalid <= 1'b0;
            m_axil_wvalid <= 1'b0;
            m_axil_arvalid <= 1'b0;
        end else begin
            tx_start <= 1'b0;
            idle <= in_frame ? idle + 32'd1 : 32'd0;
            if (in_frame && rx_valid) begin  // a byte of the frame: CRC, framing, inter-byte timer
                crc <= crc_next;
                idle <= 32'd0;
                if (rx_ferr) ferr_seen <= 1'b1;
            end
            case (fs)
                F_SYNC: if (rx_valid) begin
                    if (rx_ferr) begin
                        if (errs != 8'hFF) errs <= errs + 8'd1;
                    end else if (rx_data == SYNC_REQ) begin
                        fs <= F_CMD;
                        crc <= 16'hFFFF;
                        ferr_seen <= 1'b0;
                        {cmd, len, addr, arg} <= 32'd0;
                    end
                end
                F_CMD: if (rx_valid) begin
                    cmd <= rx_data;
                    fs <= F_LEN;
                end
                F_LEN: if (rx_valid) begin
                    len <= rx_data;
                    nb <= 8'd0;
                    fs <= rx_data == 8'd0 ? F_CRC1 : F_PAY;
                end
                F_PAY: if (rx_valid) begin
                    if (nb == 8'd0) addr <= rx_data;
                    if (nb == 8'd1) arg <= rx_data;
                    wsr <= {rx_data, wsr[23:8]};
                    nb <= nb + 8'd1;
                    if (nb + 8'd1 == len) fs <= F_CRC1;
                end
                F_CRC1: if (rx_valid) fs <= F_CRC2;
                F_CRC2: if (rx_valid) fs <= F_EXEC;
                F_EXEC: begin  // the whole frame is in: check it, then run it
                    wi <= 6'd0;
                    ra <= 6'd0;
                    if (ferr_seen) respond(ST_FRAME, 8'd0);
                    else if (crc != 16'd0) respond(ST_CRC, 8'd0);
                    else if (!known) respond(ST_CMD, 8'd0);
                    else if (!len_ok) respond(ST_LEN, 8'd0);
                    else if (cmd == C_INFO) respond(ST_OK, 8'd4);
                    else if (cmd == C_WRITE || cmd == C_WBURST) begin
                        nw <= nb_m1[7:2];  // (LEN - 1) / 4 words
                        fs <= F_WPREP;
                    end else begin
                        nw <= cmd == C_READ ? 6'd1 : arg[5:0];
                        m_axil_arvalid <= 1'b1;
                        fs <= F_RADDR;
                    end
                end
                F_WPREP: begin  // buf_q = word wi at the next clock
                    m_axil_awvalid <= 1'b1;
                    m_axil_wvalid <= 1'b1;
                    fs <= F_WADDR;
                end
                F_WADDR: begin
                    if (m_axil_awready) m_axil_awvalid <= 1'b0;
                    if (m_axil_wready) m_axil_wvalid <= 1'b0;
                    if ((!m_axil_awvalid || m_axil_awready) && (!m_axil_wvalid || m_axil_wready)) fs <= F_WRESP;
                end
                F_WRESP: if (m_axil_bvalid) begin
                    if (m_axil_bresp != 2'b00) respond(ST_BUS, 8'd0);
                    else if (wi + 6'd1 == nw) respond(ST_OK, 8'd0);
                    else begin
                        wi <= wi + 6'd1;
                        ra <= wi + 6'd1;
                        fs <= F_WPREP;
                    end
                end
                F_RADDR: if (m_axil_arready) begin
                    m_axil_arvalid <= 1'b0;
                    fs <= F_RDATA;
                end
                F_RDATA: if (m_axil_rvalid) begin
                    if (m_axil_rresp != 2'b00) respond(ST_BUS, 8'd0);
                    else if (!rd_store) respond(ST_OK, {wi, 2'b00});       // stream: FIFO empty
                    else if (wi + 6'd1 == nw) respond(ST_OK, {wi + 6'd1, 2'b00});
                    else begin
                        wi <= wi + 6'd1;
                        m_axil_arvalid <= 1'b1;
                        fs <= F_RADDR;
                    end
                end
                F_TPREP: begin  // buf_q = the payload word of byte ti at the next clock
                    ra <= ti_pay[7:2];
                    fs <= F_TSEND;
                end
                F_TSEND: if (!tx_busy) begin
                    tx_data <= tbyte;
                    tx_start <= 1'b1;
                    if (ti != 9'd0 && ti < rl9 + 9'd4) crc <= crc_next;
                    ti <= ti + 9'd1;
                    fs <= ti == rl9 + 9'd5 ? F_SYNC : F_TPREP;
                end
                default: fs <= F_SYNC;
            endcase
            if (in_frame && !rx_valid && idle >= TIMEOUT_CLKS) begin  // a frame stopped half way: resync
                wi <= 6'd0;
                respond(ferr_seen ? ST_FRAME : ST_TIMEOUT, 8'd0);
            end
        end
    end
endmodule
`default_nettype wire
