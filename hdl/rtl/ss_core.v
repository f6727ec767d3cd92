`default_nettype none
// spikesim neuron core: a time-multiplexed neuron pipeline, a delay ring in BRAM and
// event-driven synapse processing. Bit-exact with backend "jax_fixed" (spikesim/fixed.py).
//
// One clock; a pulse on `tick` (while idle) runs one time step t = `step`:
//   1. I_EVT  apply the external-current events due (iext RAM <- value);
//   2. NEURON for i = 0 .. N-1 (one neuron per clock, 2-stage pipeline): read state, params,
//             iext and the ring entries of row t mod R; update (ss_lif / ss_izh); write state;
//             clear the ring entries; append i to the spike list if it fired;
//   3. S_EVT  append the spike-source events of step t to the spike list;
//   4. SYN    for every source in the spike list walk its fan-out [start, end) (CSR):
//             ring[slot][(t + d) mod R][target] += w, one synapse per clock in a 3-stage
//             pipeline (read synapse, read ring, write ring) with forwarding of the last write;
//   5. STDP   (STDP = 1) the plasticity phase of ss_stdp.v: traces, pre events (the plastic synapses
//             enqueued by the walks above, due now), post events; it rewrites weights in the synapse RAM;
//   6. done:  `done` pulses, `step` increments, `spike_count` holds the spikes of step t.
// Step t therefore uses only spikes of steps <= t-1 (every delay d >= 1).
// All RAMs have one synchronous read port and one write port and no reset.
// While idle, the host read port reads the state, spike list, iext and parameter RAMs
// (data one clock after the address).
module ss_core #(
    parameter integer MODEL = 0,       // 0: LIF, 1: Izhikevich
    parameter integer NETM = 0,        // Izhikevich: net.m's two half-steps
    parameter integer DTV = 0,         // Izhikevich: dt (or dt/2 with NETM), Q8.24
    parameter integer N = 8,           // neurons
    parameter integer NB = 3,          // neuron address bits, 2**NB >= N
    parameter integer SB = 4,          // source address bits (neurons + spike sources)
    parameter integer NCUR = 1,        // ExpCurrent slots (0: none); slot NCUR: Delta, NCUR+1: CurrentPulse
    parameter integer CB = 2,          // slot bits, 2**CB >= NCUR + 2
    parameter integer RB = 1,          // ring depth 2**RB >= every delay
    parameter integer YB = 1,          // synapse address bits, 2**YB > number of synapses
    parameter integer WB = 24,         // weight bits (Q8.16)
    parameter integer IEB = 1,         // current-event address bits
    parameter integer IEXT = 1,        // 0: no external-current events: no iext RAM and event list (iext = 0)
    parameter integer SEB = 1,         // source-event address bits
    // pair STDP (ss_stdp.v; STDP = 0: no plasticity, the synapse word has no plastic bit)
    parameter integer STDP = 0,        // 1: synapse words carry a plastic bit on top; the STDP unit runs
    parameter integer NSRC = 8,        // neurons + spike sources
    parameter integer QB = 1,          // STDP queue row bits (2**QB >= plastic synapses)
    parameter integer CPB = 1,         // STDP CSC address bits
    parameter integer PAIR = 0, MULT = 0, AP = 0, AM = 0, WMIN = 0, WMAX = 0, DPRE = 0, DPOST = 0,
    parameter integer RKB = 1,         // STDP role count bits (ss_stdp.v)
    // on-chip learning beyond pair STDP (ss_stdp.v ELIG / SCALED, ss_mod.v; spikesim/fixed_plastic.py)
    parameter integer ELIG = 0, SCALED = 0, EDEC = 0, LR = 0, LRB = 0, DRIFT = 0, TWMIN = 0, TWMAX = 0,
    parameter integer PERIOD = 1, NPLS = 0, NPL = 1,
    parameter integer MODK = 0,        // 1: the design has the modulator unit (ss_mod.v)
    parameter integer MDEC = 0, MBIAS = 0, MG0 = 0, MG1 = 0,
    parameter integer MINIT = 0,       // the modulator register after a reset (Q8.24)
    parameter MSRC_FILE = "",
    parameter CPTR_FILE = "",
    parameter CSC_FILE = "",
    parameter ROLE_FILE = "",
    parameter PARAM_FILE = "",
    parameter STATE_FILE = "",
    parameter PTR_FILE = "",
    parameter SYN_FILE = "",
    parameter IEV_FILE = "",
    parameter SEV_FILE = ""
) (
    input  wire        clk,
    input  wire        rst,            // resets the controller and counters, not the RAMs
    input  wire        tick,
    output reg         busy,
    output reg         done,
    output reg  [31:0] step,
    output reg  [31:0] sat_count,
    output reg  [31:0] spike_count,
    input  wire [2:0]  host_sel,       // 0: state, 1: spike list, 2: iext, 3: params, 4: synapse, 5: fan-out pointer,
                                       // 6: lane 0 eligibility of a synapse (ELIG), lane 1 the modulator register
    input  wire [31:0] host_addr,
    input  wire [7:0]  host_lane,      // 32-bit field of a wide word; synapse: 0 weight, 1 delay mod R, 2 target,
                                       // 3 slot; pointer: 0 start, 1 end
    output reg  [31:0] host_rdata,
    // host writes (ss_system, only while idle): host_we writes host_wdata into lane host_lane of
    // (host_sel, host_addr) by read-modify-write of the word read in the previous clock (hold
    // host_sel/host_addr/host_lane one clock before host_we). Writable: 0 state, 3 params,
    // 4 synapse (lanes 0 weight, 1 delay mod R, 2 target). host_sel 7: clear the delay ring, the
    // iext RAM and (STDP = 1) the STDP unit's flags, trace history and post traces (busy for
    // 2**CA clocks, CA = RB+NB, or RB+SB with STDP), needed after a reset in the middle of a run.
    input  wire        host_we,
    input  wire [31:0] host_wdata,
    // the modulator register R (Q8.24; MODULATOR): mod_value reads it, mod_we (while idle, not with tick)
    // sets it to mod_wdata; a reset sets MINIT; with MODK = 1 each step's plasticity phase updates it
    input  wire        mod_we,
    input  wire [31:0] mod_wdata,
    output wire [31:0] mod_value
);
    localparam integer NSLOT = NCUR + 2;
    localparam integer SW = 32 * (2 + NCUR);                                  // state word
    localparam integer PW = (MODEL == 0) ? 32 * (5 + 2 * NCUR) : 32 * (6 + NCUR);  // param word
    localparam integer YW = WB + RB + CB + NB + ((STDP != 0) ? 1 : 0);         // synapse word (+ plastic bit)
    localparam integer IEW = 64 + NB;                                          // {value, neuron, step}
    localparam integer SEW = 32 + SB;                                          // {source, step}
    localparam integer RA = RB + NB;                                           // ring address bits
    localparam integer CA0 = (STDP != 0) ? RB + SB : RA;
    localparam integer CA = (ELIG != 0 && YB > CA0) ? YB : CA0;                // clear sweep address bits
    localparam [NB:0] NN = N[NB:0];                                                // N, NB+1 bits wide

    localparam [3:0] IDLE = 4'd0, I_RD = 4'd1, I_CHK = 4'd2, NEUR = 4'd3, S_RD = 4'd4, S_CHK = 4'd5,
                     L_RD = 4'd6, P_RD = 4'd7, P_LATCH = 4'd8, WALK = 4'd9, FIN = 4'd10, CLR = 4'd11,
                     PSTART = 4'd12, PLAST = 4'd13;
    reg [3:0] phase;

    // ------------------------------------------------------------------ memories
    wire [SW-1:0] st_rdata;  reg st_re;  reg [NB-1:0] st_raddr;  wire st_we;  wire [SW-1:0] st_wdata;
    wire [PW-1:0] pr_rdata;  reg pr_re;  reg [NB-1:0] pr_raddr;
    wire [31:0]   ie_rdata;  reg ie_re;  reg [NB-1:0] ie_raddr;  wire ie_we;
    wire [SB-1:0] sl_rdata;  reg sl_re;  reg [SB-1:0] sl_raddr;  reg sl_we;  reg [SB-1:0] sl_waddr, sl_wdata;
    wire [2*YB-1:0] pt_rdata; wire pt_re;
    wire [YW-1:0] sy_rdata;  wire sy_re;
    wire [IEW-1:0] iv_rdata; wire iv_re;
    wire [SEW-1:0] sv_rdata; wire sv_re;
    reg [RA-1:0] rg_raddr, rg_waddr;  reg rg_re;  reg [NSLOT-1:0] rg_we;  reg [31:0] rg_wdata;
    wire [32*NSLOT-1:0] rg_rdata;

    reg [NB:0]   ni;            // next neuron to read
    reg          pv;            // pipeline stage 2 valid
    reg [NB-1:0] pidx;          // neuron in stage 2
    reg [SB:0]   cnt;           // spikes in the list
    reg [SB:0]   si;            // next list entry to process
    reg [YB-1:0] yj, yend;      // synapse walk
    reg [IEB-1:0] ip;           // next current event
    reg [SEB-1:0] sp;           // next source event
    reg [RB-1:0] row;           // t mod R
    // synapse pipeline: a_v = synapse word valid, b_v = ring word valid (write stage)
    reg          a_v, b_v;
    reg [CB-1:0] slot_r;        // write stage: slot, weight, ring address
    reg [WB-1:0] w_r;
    reg [RA-1:0] rg_raddr_q;
    reg          last_we;       // the previous clock wrote ring[last_slot][last_addr] = last_wdata
    reg [CB-1:0] last_slot;
    reg [RA-1:0] last_addr;
    reg [31:0]   last_wdata;
    reg [2:0]    host_sel_q;
    reg [7:0]    host_lane_q;
    // STDP unit: synapse RAM port while phase == PLAST, and the synapse read by the walk (enqueue)
    wire         pl_act = (phase == PLAST);
    wire         pl_done, pl_sy_re, pl_sy_we;
    wire [15:0]  pl_sat;        // STDP saturations of this clock (traces, eligibility, rates)
    wire [1:0]   md_sat;        // modulator saturations of this clock
    wire [31:0]  m_step, md_next, pl_e_rd;
    wire         md_we;
    reg  [31:0]  mod_r;
    assign mod_value = mod_r;
    wire [YB-1:0] pl_sy_raddr, pl_sy_waddr;
    wire [YW-1:0] pl_sy_wdata;
    /* verilator lint_off UNUSEDSIGNAL */
    reg  [YB-1:0] yq;            // the synapse whose word is in sy_rdata during the walk (unused without STDP)
    /* verilator lint_on UNUSEDSIGNAL */

    // host writes while idle: one 32-bit lane of the word the idle read port fetched last clock
    wire hw_idle = (phase == IDLE);
    wire hw = hw_idle && host_we && !tick;
    wire hw_st = hw && host_sel == 3'd0 && ({24'd0, host_lane} < SW / 32);
    wire hw_pr = hw && host_sel == 3'd3 && ({24'd0, host_lane} < PW / 32);
    wire hw_sy = hw && host_sel == 3'd4 && host_lane < 8'd3;
    wire [SW-1:0] st_hw = (st_rdata & ~({{(SW-32){1'b0}}, 32'hFFFFFFFF} << (32 * host_lane)))
                          | ({{(SW-32){1'b0}}, host_wdata} << (32 * host_lane));
    wire [PW-1:0] pr_hw = (pr_rdata & ~({{(PW-32){1'b0}}, 32'hFFFFFFFF} << (32 * host_lane)))
                          | ({{(PW-32){1'b0}}, host_wdata} << (32 * host_lane));
    reg  [YW-1:0] sy_hw;
    always @* begin
        sy_hw = sy_rdata;
        case (host_lane)
            8'd0: sy_hw[NB + CB + RB +: WB] = host_wdata[WB-1:0];
            8'd1: sy_hw[NB + CB +: RB] = host_wdata[RB-1:0];
            default: sy_hw[0 +: NB] = host_wdata[NB-1:0];
        endcase
    end
    // ring / iext / STDP state clear sweep (phase CLR)
    reg  [CA:0] clr_a;
    wire clr = (phase == CLR) && !clr_a[CA];

    ss_ram #(.W(SW), .AW(NB), .INIT_FILE(STATE_FILE)) u_state (
        .clk(clk), .re(st_re), .raddr(st_raddr), .rdata(st_rdata), .we(st_we | hw_st),
        .waddr(hw_idle ? host_addr[NB-1:0] : pidx), .wdata(hw_idle ? st_hw : st_wdata));
    ss_ram #(.W(PW), .AW(NB), .INIT_FILE(PARAM_FILE)) u_param (
        .clk(clk), .re(pr_re), .raddr(pr_raddr), .rdata(pr_rdata), .we(hw_pr), .waddr(host_addr[NB-1:0]), .wdata(pr_hw));
    ss_ram #(.W(SB), .AW(SB)) u_list (
        .clk(clk), .re(sl_re), .raddr(sl_raddr), .rdata(sl_rdata), .we(sl_we), .waddr(sl_waddr), .wdata(sl_wdata));
    ss_ram #(.W(2 * YB), .AW(SB), .INIT_FILE(PTR_FILE)) u_ptr (
        .clk(clk), .re(pt_re), .raddr(pt_raddr), .rdata(pt_rdata), .we(1'b0), .waddr({SB{1'b0}}), .wdata({2 * YB{1'b0}}));
    ss_ram #(.W(YW), .AW(YB), .INIT_FILE(SYN_FILE)) u_syn (
        .clk(clk), .re(sy_re), .raddr(sy_raddr), .rdata(sy_rdata), .we(hw_sy | pl_sy_we),
        .waddr(pl_act ? pl_sy_waddr : host_addr[YB-1:0]), .wdata(pl_act ? pl_sy_wdata : sy_hw));
    generate
        if (IEXT != 0) begin : iext
            ss_ram #(.W(32), .AW(NB)) u_iext (
                .clk(clk), .re(ie_re), .raddr(ie_raddr), .rdata(ie_rdata), .we(ie_we),
                .waddr(clr ? clr_a[NB-1:0] : iv_rdata[32 +: NB]), .wdata(clr ? 32'd0 : iv_rdata[32 + NB +: 32]));
            ss_ram #(.W(IEW), .AW(IEB), .INIT_FILE(IEV_FILE)) u_iev (
                .clk(clk), .re(iv_re), .raddr(ip), .rdata(iv_rdata), .we(1'b0), .waddr({IEB{1'b0}}), .wdata({IEW{1'b0}}));
        end else begin : no_iext
            // no events: the list holds only its end marker (step 0xffffffff), every current is 0
            assign ie_rdata = 32'd0;
            assign iv_rdata = {{(IEW-32){1'b0}}, 32'hFFFFFFFF};
            wire unused_iext = &{1'b0, ie_re, ie_raddr, ie_we, iv_re, ip, iv_rdata[IEW-1:32], 1'b0};
        end
    endgenerate
    ss_ram #(.W(SEW), .AW(SEB), .INIT_FILE(SEV_FILE)) u_sev (
        .clk(clk), .re(sv_re), .raddr(sp), .rdata(sv_rdata), .we(1'b0), .waddr({SEB{1'b0}}), .wdata({SEW{1'b0}}));

    genvar g;
    generate
        for (g = 0; g < NSLOT; g = g + 1) begin : ring
            ss_ram #(.W(32), .AW(RA)) u_ring (
                .clk(clk), .re(rg_re), .raddr(rg_raddr), .rdata(rg_rdata[32*g +: 32]),
                .we(rg_we[g]), .waddr(rg_waddr), .wdata(rg_wdata));
        end
    endgenerate

    // ------------------------------------------------------------- neuron update
    wire         spiked;
    wire [7:0]   nsat;
    // the update sees the ring only in the neuron phase (it does not toggle during the synapse walk)
    wire [32*NSLOT-1:0] upd_ring = (phase == NEUR) ? rg_rdata : {(32*NSLOT){1'b0}};
    generate
        if (MODEL == 0) begin : lif
            ss_lif #(.NCUR(NCUR)) u_upd (
                .st_in(st_rdata), .prm(pr_rdata), .ring(upd_ring), .iext(ie_rdata),
                .st_out(st_wdata), .spiked(spiked), .nsat(nsat));
        end else begin : izh
            ss_izh #(.NCUR(NCUR), .NETM(NETM), .DTV(DTV)) u_upd (
                .st_in(st_rdata), .prm(pr_rdata), .ring(upd_ring), .iext(ie_rdata),
                .st_out(st_wdata), .spiked(spiked), .nsat(nsat));
        end
    endgenerate

    wire neur_issue = (phase == NEUR) && (ni < NN);
    wire unused_host_addr = &{1'b0, host_addr, 1'b0};
    assign st_we = (phase == NEUR) && pv;
    assign ie_we = ((phase == I_CHK) && (iv_rdata[31:0] <= step)) || clr;
    assign iv_re = (phase == I_RD);
    assign sv_re = (phase == S_RD);
    wire host_idle = (phase == IDLE);
    assign pt_re = (phase == P_RD) || (host_idle && host_sel == 3'd5);
    assign sy_re = ((phase == WALK) && (yj != yend)) || (host_idle && host_sel == 3'd4) || pl_sy_re;
    wire [SB-1:0] pt_raddr = host_idle ? host_addr[SB-1:0] : sl_rdata;
    wire [YB-1:0] sy_raddr = host_idle ? host_addr[YB-1:0] : pl_act ? pl_sy_raddr : yj;
    wire walk_end = (phase == WALK) && (yj == yend) && !a_v && !b_v;
    // forwarding: a ring word read in the same clock as the previous write to its address is stale
    wire fwd = last_we && (last_addr == rg_raddr_q) && (last_slot == slot_r);
    wire [31:0] ring_old = fwd ? last_wdata : rg_rdata[32*slot_r +: 32];

    // synapse fields and the ring address of its arrival
    wire [NB-1:0] y_tgt  = sy_rdata[0 +: NB];
    wire [CB-1:0] y_slot = sy_rdata[NB +: CB];
    wire [RB-1:0] y_dly  = sy_rdata[NB + CB +: RB];
    wire [WB-1:0] y_w    = sy_rdata[NB + CB + RB +: WB];
    wire [RB-1:0] y_row  = row + y_dly;

    generate
        if (STDP != 0) begin : stdp
            // a plastic synapse read by the walk reaches its pre event at step t + d - 1
            ss_stdp #(.N(N), .NB(NB), .NSRC(NSRC), .SB(SB), .RB(RB), .YB(YB), .YW(YW), .WO(NB + CB + RB), .WB(WB),
                      .QB(QB), .CPB(CPB), .PAIR(PAIR), .MULT(MULT), .AP(AP), .AM(AM), .WMIN(WMIN), .WMAX(WMAX),
                      .DPRE(DPRE), .DPOST(DPOST), .RKB(RKB), .CPTR_FILE(CPTR_FILE), .CSC_FILE(CSC_FILE),
                      .ROLE_FILE(ROLE_FILE), .CAW(CA), .ELIG(ELIG), .SCALED(SCALED), .EDEC(EDEC), .LR(LR), .LRB(LRB),
                      .DRIFT(DRIFT), .TWMIN(TWMIN), .TWMAX(TWMAX), .PERIOD(PERIOD), .NPLS(NPLS), .NPL(NPL)) u_stdp (
                .clk(clk), .rst(rst), .clr(clr), .clr_a(clr_a[CA-1:0]), .row(row), .spk_we(sl_we), .spk_idx(sl_wdata),
                .enq((phase == WALK) && a_v && sy_rdata[YW-1]), .enq_row(y_row - 1'b1), .enq_syn(yq),
                .start(phase == PSTART), .done(pl_done),
                .sy_re(pl_sy_re), .sy_raddr(pl_sy_raddr), .sy_rdata(sy_rdata),
                .sy_we(pl_sy_we), .sy_waddr(pl_sy_waddr), .sy_wdata(pl_sy_wdata), .m_step(m_step),
                .host_e_addr(host_addr[YB-1:0]), .e_rdata(pl_e_rd), .sat_inc(pl_sat));
        end else begin : no_stdp
            assign pl_done = 1'b1;  assign pl_sy_re = 1'b0;  assign pl_sy_we = 1'b0;
            assign pl_sy_raddr = {YB{1'b0}};  assign pl_sy_waddr = {YB{1'b0}};  assign pl_sy_wdata = {YW{1'b0}};
            assign pl_sat = 16'd0;  assign pl_e_rd = 32'd0;
            wire unused_m = &{1'b0, m_step, 1'b0};
        end
        if (STDP != 0 && MODK != 0) begin : modu
            ss_mod #(.SB(SB), .MDEC(MDEC), .MBIAS(MBIAS), .G0(MG0), .G1(MG1), .MSRC_FILE(MSRC_FILE)) u_mod (
                .clk(clk), .rst(rst), .spk_we(sl_we), .spk_idx(sl_wdata), .start(phase == PSTART), .reg_in(mod_r),
                .m_step(m_step), .reg_we(md_we), .reg_next(md_next), .sat_inc(md_sat));
        end else begin : no_mod
            assign m_step = 32'd0;  assign md_we = 1'b0;  assign md_next = 32'd0;  assign md_sat = 2'd0;
        end
    endgenerate

    // the modulator register: host writes while idle, the modulator unit's update in the plasticity phase
    always @(posedge clk) begin
        if (rst) mod_r <= MINIT;
        else if (md_we) mod_r <= md_next;
        else if (mod_we && phase == IDLE && !tick) mod_r <= mod_wdata;
    end

    // read/write port multiplexers (combinational)
    always @* begin
        st_re = 1'b0;  st_raddr = host_addr[NB-1:0];
        pr_re = 1'b0;  pr_raddr = host_addr[NB-1:0];
        ie_re = 1'b0;  ie_raddr = host_addr[NB-1:0];
        sl_re = 1'b0;  sl_raddr = host_addr[SB-1:0];
        rg_re = 1'b0;  rg_raddr = {row, ni[NB-1:0]};
        rg_we = {NSLOT{1'b0}};  rg_waddr = {row, pidx};  rg_wdata = 32'd0;
        sl_we = 1'b0;  sl_waddr = cnt[SB-1:0];  sl_wdata = {SB{1'b0}};
        case (phase)
            IDLE: begin
                st_re = (host_sel == 3'd0);
                sl_re = (host_sel == 3'd1);
                ie_re = (host_sel == 3'd2);
                pr_re = (host_sel == 3'd3);
            end
            NEUR: begin
                st_re = neur_issue;  st_raddr = ni[NB-1:0];
                pr_re = neur_issue;  pr_raddr = ni[NB-1:0];
                ie_re = neur_issue;  ie_raddr = ni[NB-1:0];
                rg_re = neur_issue;
                rg_we = pv ? {NSLOT{1'b1}} : {NSLOT{1'b0}};         // clear the delivered entries
                sl_we = pv && spiked;  sl_wdata = {{(SB-NB){1'b0}}, pidx};
            end
            S_CHK: begin
                sl_we = (sv_rdata[31:0] <= step);  sl_wdata = sv_rdata[32 +: SB];
            end
            L_RD: begin
                sl_re = 1'b1;  sl_raddr = si[SB-1:0];
            end
            CLR: begin
                rg_we = {NSLOT{clr}};  rg_waddr = clr_a[RA-1:0];
            end
            WALK: begin
                rg_re = a_v;  rg_raddr = {y_row, y_tgt};
                rg_we[slot_r] = b_v;  rg_waddr = rg_raddr_q;
                rg_wdata = ring_old + {{(32-WB){w_r[WB-1]}}, w_r};
            end
            default: ;
        endcase
    end

    // host read data: the selected RAM's output, one 32-bit lane
    always @* begin
        case (host_sel_q)
            3'd0: host_rdata = ({24'd0, host_lane_q} < SW / 32) ? st_rdata[32*host_lane_q +: 32] : 32'd0;
            3'd1: host_rdata = {{(32-SB){1'b0}}, sl_rdata};
            3'd2: host_rdata = ie_rdata;
            3'd3: host_rdata = ({24'd0, host_lane_q} < PW / 32) ? pr_rdata[32*host_lane_q +: 32] : 32'd0;
            3'd4: case (host_lane_q)
                8'd0: host_rdata = {{(32-WB){y_w[WB-1]}}, y_w};
                8'd1: host_rdata = {{(32-RB){1'b0}}, y_dly};
                8'd2: host_rdata = {{(32-NB){1'b0}}, y_tgt};
                default: host_rdata = {{(32-CB){1'b0}}, y_slot};
            endcase
            3'd5: host_rdata = (host_lane_q == 8'd0) ? {{(32-YB){1'b0}}, pt_rdata[0 +: YB]}
                                                    : {{(32-YB){1'b0}}, pt_rdata[YB +: YB]};
            3'd6: host_rdata = (host_lane_q == 8'd0) ? pl_e_rd : mod_r;   // eligibility of synapse host_addr; R
            default: host_rdata = 32'd0;
        endcase
    end

    // ------------------------------------------------------------- controller
    always @(posedge clk) begin
        done <= 1'b0;
        host_sel_q <= host_sel;
        host_lane_q <= host_lane;
        if (rst) begin
            phase <= IDLE;  busy <= 1'b0;  step <= 32'd0;  sat_count <= 32'd0;  spike_count <= 32'd0;
            ip <= {IEB{1'b0}};  sp <= {SEB{1'b0}};  row <= {RB{1'b0}};
            ni <= 0;  pv <= 1'b0;  cnt <= 0;  si <= 0;  a_v <= 1'b0;  b_v <= 1'b0;  last_we <= 1'b0;
        end else begin
            if (phase != WALK) last_we <= 1'b0;
            case (phase)
                IDLE: if (tick) begin
                    busy <= 1'b1;  phase <= I_RD;  cnt <= 0;  si <= 0;  ni <= 0;  pv <= 1'b0;
                end else if (host_we && host_sel == 3'd7) begin
                    busy <= 1'b1;  phase <= CLR;  clr_a <= 0;
                end
                CLR: if (clr_a[CA]) begin busy <= 1'b0;  phase <= IDLE; end
                     else clr_a <= clr_a + 1'b1;
                I_RD: phase <= I_CHK;
                I_CHK: if (iv_rdata[31:0] <= step) begin
                    ip <= ip + 1'b1;  phase <= I_RD;
                end else phase <= NEUR;
                NEUR: begin
                    if (neur_issue) ni <= ni + 1'b1;
                    pv <= neur_issue;
                    pidx <= ni[NB-1:0];
                    if (pv) begin
                        sat_count <= sat_count + {24'd0, nsat};
                        if (spiked) cnt <= cnt + 1'b1;
                    end
                    if (!neur_issue && !pv) phase <= S_RD;
                end
                S_RD: phase <= S_CHK;
                S_CHK: if (sv_rdata[31:0] <= step) begin
                    sp <= sp + 1'b1;  cnt <= cnt + 1'b1;  phase <= S_RD;
                end else phase <= L_RD;
                L_RD: phase <= (si == cnt) ? ((STDP != 0) ? PSTART : FIN) : P_RD;
                PSTART: phase <= PLAST;
                PLAST: begin
                    sat_count <= sat_count + {16'd0, pl_sat} + {30'd0, md_sat};
                    if (pl_done) phase <= FIN;
                end
                P_RD: begin
                    si <= si + 1'b1;  phase <= P_LATCH;
                end
                P_LATCH: begin
                    yj <= pt_rdata[0 +: YB];  yend <= pt_rdata[YB +: YB];  phase <= WALK;
                    a_v <= 1'b0;  b_v <= 1'b0;
                end
                WALK: begin
                    if (sy_re) begin
                        yj <= yj + 1'b1;  yq <= yj;
                    end
                    a_v <= sy_re;
                    b_v <= a_v;
                    if (a_v) begin
                        rg_raddr_q <= {y_row, y_tgt};  slot_r <= y_slot;  w_r <= y_w;
                    end
                    last_we <= b_v;  last_addr <= rg_raddr_q;  last_slot <= slot_r;  last_wdata <= rg_wdata;
                    if (walk_end) phase <= L_RD;
                end
                FIN: begin
                    spike_count <= {{(31-SB){1'b0}}, cnt};  step <= step + 1;  row <= row + 1'b1;
                    busy <= 1'b0;  done <= 1'b1;  phase <= IDLE;
                end
                default: phase <= IDLE;
            endcase
        end
    end
endmodule
`default_nettype wire
