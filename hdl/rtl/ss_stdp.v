`default_nettype none
// spikesim pair-STDP unit: per-neuron traces, a pre-trace history ring, event-driven depression
// and potentiation of the weights in the core's synapse RAM. Bit-exact with backend "jax_fixed"
// (spikesim/fixed.py: trace_decay, trace_jump, stdp_depress, stdp_potentiate).
//
// Memories (one synchronous read port, one write port, no reset: BRAM):
//   flag  [NSRC]         1 if index i spiked in this step (written by the spike snoop, cleared by TRC)
//   hist  [R][NSRC]      {s, x_before} of the pre trace at step t, for the last R steps (Q8.24)
//   ytr   [N]            {s, y_before} of the post trace at step t
//   queue [R][2**QB]     pre events: the plastic synapses whose spike reaches them at step t (row t mod R)
//   plist [N]            the neurons that fired in this step (post events)
//   cptr  [N], csc       the plastic synapses of each postsynaptic neuron (CSC): {lag = d-1, source, synapse}
//   role  [NSRC]         {k_post, k_pre}: the plastic projections in which index i is the source (k_pre)
//                        or the target (k_post) of at least one synapse (ROM, role.hex)
//
// Reset: `rst` resets the controller and the queue row counts (so the queue and plist contents are
// dead); `clr` (ss_core's reset sweep, clr_a = 0 .. 2**(RB+SB)-1) zeroes flag, hist and ytr, the
// state a fresh run starts from. cptr, csc and role are constant.
// Trace saturations: with PAIR = 0 the jump clamp(x + 1) of a trace that is used saturates when
// x >= 127.0 (x + 2**24 > 2**31 - 1 in Q8.24). TRC sees x_before(t) and s_t of every index, so it
// counts the jumps of step t there (k_pre for the pre trace, k_post for the post trace, as jax_fixed
// counts one per plastic projection): sat_inc, added to the core's sat_count.
//
// While the core runs a step it snoops every spike (spk_we/spk_idx) and enqueues every plastic
// synapse it pushes (enq: due row (t + d - 1) mod R). After the push walk, `start` runs:
//   TRC  i = 0 .. NSRC-1, one per clock: x_before(t) = decay(jump(hist[t-1][i])), hist[t][i] = {s_t, x};
//        the same for the post trace of neurons (ytr); the flag is cleared;
//   DEP  every queued synapse of row t, one per clock (4-stage pipeline):
//        w = clip(w - amount(a_minus, y_before(t) of its target)) ;
//   POT  for every neuron j that fired, its plastic synapses, one per clock (3-stage pipeline):
//        w = clip(w + amount(a_plus, jump(hist[t - lag][source]))) ;
// then `done` pulses. Each synapse is at most once in a queue row and once in a column, so the
// read-modify-write pipelines never meet the same word. Clocks: NSRC + 3 (TRC) + pre events + 5
// (DEP) + per post spike (fan-in + 6) + 2.
//
// Three-factor (ELIG = 1, spikesim/fixed_plastic.py): DEP and POT write the eligibility RAM elig[2**YB]
// (Q8.24, by synapse address) instead of the weight: e = clamp(e -/+ amount) (a clamp adds one to
// sat_inc), amount = mul_shift(trace, a, 24) (multiplicative: then mul_shift(., span, 16)). In the last
// step of every PERIOD steps, SWP walks the CSC (every plastic synapse once, one per clock, 3 stages):
//   g = clamp(LRB + mul_shift(m_step, LR, 24));  w = clip(w + mul_round(e, g, 32) + DRIFT, TWMIN, TWMAX);
//   e = mul_trunc(e, EDEC, 24)        (clocks: NPLS + 4; a clamp of g adds NPL to sat_inc)
// SCALED = 1 (astrocyte): the depression rate of the step is clamp(mul_shift(AM, m_step, 24)) (a clamp
// adds NPL). m_step: the modulator's M of this step (ss_mod.v). While idle the eligibility RAM answers
// host reads at host_e_addr (e_rdata, one clock later).
module ss_stdp #(
    parameter integer N = 8,           // neurons (postsynaptic indices 0 .. N-1)
    parameter integer NB = 3,          // neuron address bits
    parameter integer NSRC = 12,       // neurons + spike sources (presynaptic indices)
    parameter integer SB = 4,          // source address bits
    parameter integer RB = 1,          // ring / history rows 2**RB >= every delay
    parameter integer YB = 1,          // synapse address bits
    parameter integer YW = 32,         // synapse word bits
    parameter integer WO = 8,          // bit offset of the weight field in a synapse word
    parameter integer WB = 24,         // weight bits (Q8.16)
    parameter integer QB = 1,          // queue row bits: 2**QB >= plastic synapses
    parameter integer CPB = 1,         // CSC address bits: 2**CPB > plastic synapses
    parameter integer PAIR = 0,        // 0: all-to-all (trace += 1), 1: nearest (trace = 1)
    parameter integer MULT = 0,        // 0: additive, 1: multiplicative (soft bounds)
    parameter integer AP = 0,          // a_plus (Q8.24, signed)
    parameter integer AM = 0,          // a_minus (Q8.24, signed)
    parameter integer WMIN = 0,        // lower bound (Q8.16)
    parameter integer WMAX = 0,        // upper bound (Q8.16)
    parameter integer DPRE = 0,        // exp(-dt/tau_pre) (Q8.24)
    parameter integer DPOST = 0,       // exp(-dt/tau_post) (Q8.24)
    parameter integer RKB = 1,         // bits of a role count (k_pre, k_post)
    parameter integer CAW = 5,         // reset sweep address bits (>= RB + SB, and >= YB with ELIG)
    parameter integer ELIG = 0,        // 1: three-factor (eligibility RAM, periodic update)
    parameter integer SCALED = 0,      // 1: the depression rate is scaled by the modulator (astrocyte)
    parameter integer EDEC = 0,        // exp(-every/tau_e) (Q8.24)
    parameter integer LR = 0,          // lr (Q8.24)
    parameter integer LRB = 0,         // lr * baseline (Q8.24)
    parameter integer DRIFT = 0,       // drift (Q8.16)
    parameter integer TWMIN = 0,       // bounds of the periodic update (Q8.16)
    parameter integer TWMAX = 0,
    parameter integer PERIOD = 1,      // steps between periodic updates
    parameter integer NPLS = 0,        // plastic synapses (CSC entries)
    parameter integer NPL = 1,         // plastic projections (weight of a g / scaled-rate clamp in sat_inc)
    parameter CPTR_FILE = "",
    parameter CSC_FILE = "",
    parameter ROLE_FILE = ""
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          clr,          // reset sweep: zero flag, hist, ytr at clr_a
    input  wire [CAW-1:0] clr_a,
    input  wire [RB-1:0] row,          // t mod R
    input  wire          spk_we,       // a spike of this step enters the core's spike list
    input  wire [SB-1:0] spk_idx,
    input  wire          enq,          // the push walk read a plastic synapse
    input  wire [RB-1:0] enq_row,
    input  wire [YB-1:0] enq_syn,
    input  wire          start,
    output reg           done,
    output reg           sy_re,
    output reg  [YB-1:0] sy_raddr,
    input  wire [YW-1:0] sy_rdata,
    output reg           sy_we,
    output reg  [YB-1:0] sy_waddr,
    output reg  [YW-1:0] sy_wdata,
    input  wire [31:0]   m_step,       // the modulator's M of this step (Q8.24; 0 without one)
    input  wire [YB-1:0] host_e_addr,  // host read of the eligibility RAM while idle
    output wire [31:0]   e_rdata,
    output wire [15:0]   sat_inc       // saturations counted in this clock
);
`include "ss_fixed.vh"
    localparam integer CF = 24;
    localparam integer HW = 33;                    // {s, trace}
    localparam integer CW = RB + SB + YB;          // CSC entry {lag, source, synapse}
    localparam [SB:0] NS = NSRC[SB:0];
    localparam [SB:0] NN = N[SB:0];
    localparam signed [63:0] ONE = 64'sd1 << CF;
    localparam signed [63:0] AP64 = ss_sx(AP), AM64 = ss_sx(AM), WMIN64 = ss_sx(WMIN), WMAX64 = ss_sx(WMAX);
    localparam signed [63:0] DPRE64 = ss_sx(DPRE), DPOST64 = ss_sx(DPOST);

    localparam [3:0] U_IDLE = 4'd0, U_TRC = 4'd1, U_DEP = 4'd2, U_PL = 4'd3, U_PP = 4'd4, U_PLAT = 4'd5,
                     U_PW = 4'd6, U_FIN = 4'd7, U_SW = 4'd8;
    reg [3:0] ph;
    localparam signed [63:0] LR64 = ss_sx(LR), LRB64 = ss_sx(LRB), DRIFT64 = ss_sx(DRIFT), EDEC64 = ss_sx(EDEC);
    localparam signed [63:0] TWMIN64 = ss_sx(TWMIN), TWMAX64 = ss_sx(TWMAX);
    localparam [CPB-1:0] NPLS_C = NPLS[CPB-1:0];
    localparam [15:0] NPL16 = NPL[15:0];

    // ------------------------------------------------------------------ the rules
    // (a * b) >>> s for |a| < 2^39, |b| < 2^31, |a * b| < 2^63 (a narrower ss_mulsh: fewer DSPs); exact, floor
    /* verilator lint_off UNUSEDSIGNAL */
    function signed [63:0] mulsh;
        input signed [63:0] a;
        input signed [63:0] b;
        input integer s;
        reg signed [71:0] p;
        begin
            p = $signed(a[39:0]) * $signed(b[31:0]);
            mulsh = $signed(p[63:0]) >>> s;  // a part-select is unsigned: $signed keeps the shift arithmetic
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    // the trace after its step's jump: h = {s, x_before}; "all": clamp(x + 1), "nearest": 1
    function signed [63:0] jumped;
        input [HW-1:0] h;
        begin
            if (PAIR == 1) jumped = h[32] ? ONE : ss_sx(h[31:0]);
            else jumped = ss_sx(ss_sat(ss_sx(h[31:0]) + (h[32] ? ONE : 64'sd0)));
        end
    endfunction

    // the trace one step later, before that step's spikes: decay(jump(h)) (x >= 0: fits 32 bits)
    function [31:0] next_trace;
        input [HW-1:0] h;
        input signed [63:0] dec;
        /* verilator lint_off UNUSEDSIGNAL */
        reg signed [63:0] d;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            d = mulsh(jumped(h), dec, CF);
            next_trace = d[31:0];
        end
    endfunction

    // the new weight: clip(w + sgn * amount(a, trace, span), WMIN, WMAX); sgn = +1 potentiation, -1 depression
    function [WB-1:0] new_weight;
        input [WB-1:0] w_in;
        input signed [63:0] tr;
        input signed [63:0] a;
        input pot;
        reg signed [63:0] w, span, amt, r;
        begin
            w = {{(64-WB){w_in[WB-1]}}, w_in};
            span = pot ? (WMAX64 - w) : (w - WMIN64);
            if (MULT == 1) amt = mulsh(mulsh(tr, a, CF), span, CF);
            else amt = mulsh(tr, a, 2 * CF - 16);
            r = pot ? w + amt : w - amt;
            if (r > WMAX64) r = WMAX64;
            if (r < WMIN64) r = WMIN64;
            new_weight = r[WB-1:0];
        end
    endfunction

    // three-factor: e -/+ amount(a, trace, span of w) before the clamp
    function signed [63:0] elig_sum;
        input [31:0] e_in;
        input [WB-1:0] w_in;
        input signed [63:0] tr;
        input signed [63:0] a;
        input pot;
        reg signed [63:0] w, span, amt;
        begin
            w = {{(64-WB){w_in[WB-1]}}, w_in};
            span = pot ? (WMAX64 - w) : (w - WMIN64);
            amt = mulsh(tr, a, CF);
            if (MULT == 1) amt = mulsh(amt, span, 16);
            elig_sum = pot ? ss_sx(e_in) + amt : ss_sx(e_in) - amt;
        end
    endfunction

    // the periodic update of one synapse: clip(w + mul_round(e, g, 32) + DRIFT, TWMIN, TWMAX)
    function [WB-1:0] periodic_w;
        input [WB-1:0] w_in;
        input [31:0] e_in;
        input signed [63:0] g;
        reg signed [63:0] w, p, r;
        begin
            w = {{(64-WB){w_in[WB-1]}}, w_in};
            p = ss_sx(e_in) * g;
            r = w + ((p + 64'sd2147483648) >>> 32) + DRIFT64;
            if (r > TWMAX64) r = TWMAX64;
            if (r < TWMIN64) r = TWMIN64;
            periodic_w = r[WB-1:0];
        end
    endfunction

    // mul_trunc(e, EDEC, 24): towards 0
    /* verilator lint_off UNUSEDSIGNAL */
    function [31:0] decay_e;
        input [31:0] e_in;
        reg signed [63:0] p, q;
        begin
            p = ss_sx(e_in) * EDEC64;
            q = (p < 0) ? -((-p) >>> 24) : (p >>> 24);
            decay_e = q[31:0];
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    // ------------------------------------------------------------------ memories
    reg  fl_re, fl_we, fl_wd;  reg [SB-1:0] fl_ra, fl_wa;  wire fl_rd;
    reg  hi_re, hi_we;  reg [RB+SB-1:0] hi_ra, hi_wa;  reg [HW-1:0] hi_wd;  wire [HW-1:0] hi_rd;
    reg  yt_re, yt_we;  reg [NB-1:0] yt_ra, yt_wa;  reg [HW-1:0] yt_wd;  wire [HW-1:0] yt_rd;
    reg  pl_re;  wire [NB-1:0] pl_rd;
    reg  q_re;  wire [YB-1:0] q_rd;
    reg  cp_re;  wire [2*CPB-1:0] cp_rd;
    reg  cs_re;  wire [CW-1:0] cs_rd;
    reg  e_re, e_we;  reg [YB-1:0] e_ra, e_wa;  reg [31:0] e_wd;  wire [31:0] e_rd;
    wire [2*RKB-1:0] ro_rd;

    reg [SB:0]  ti;            // TRC: next index to read
    reg         tv;            // TRC: stage 2 valid
    reg [SB-1:0] tidx;
    reg [QB:0]  qk;            // DEP: next queue entry
    reg         d1, d2, d3;    // DEP pipeline valid
    reg [YB-1:0] ds2, ds3;     // DEP: synapse index in stages 2, 3
    reg [YW-1:0] dw3;          // DEP: synapse word in stage 3
    reg [NB:0]  pcnt, pi;      // post spikes of this step; next to process
    reg [CPB-1:0] cj, cend;    // POT: column walk
    reg         p1, p2;        // POT pipeline valid
    reg         s1, s2;        // SWP pipeline valid
    reg [YB-1:0] ss2;          // SWP: synapse in stage 2
    reg [31:0]  pcount;        // steps mod PERIOD
    reg [YB-1:0] ps2;
    reg [QB:0]  qcnt [0:(1<<RB)-1];
    reg [QB:0]  qn;            // entries of row t
    integer k;
    wire [QB:0] qn_enq = qcnt[enq_row];
    wire t_issue = (ph == U_TRC) && (ti < NS);

    ss_ram #(.W(1), .AW(SB)) u_flag (
        .clk(clk), .re(fl_re), .raddr(fl_ra), .rdata(fl_rd), .we(fl_we), .waddr(fl_wa), .wdata(fl_wd));
    ss_ram #(.W(HW), .AW(RB + SB)) u_hist (
        .clk(clk), .re(hi_re), .raddr(hi_ra), .rdata(hi_rd), .we(hi_we), .waddr(hi_wa), .wdata(hi_wd));
    ss_ram #(.W(HW), .AW(NB)) u_ytr (
        .clk(clk), .re(yt_re), .raddr(yt_ra), .rdata(yt_rd), .we(yt_we), .waddr(yt_wa), .wdata(yt_wd));
    ss_ram #(.W(NB), .AW(NB)) u_plist (
        .clk(clk), .re(pl_re), .raddr(pi[NB-1:0]), .rdata(pl_rd), .we(spk_we && ({1'b0, spk_idx} < NN)),
        .waddr(pcnt[NB-1:0]), .wdata(spk_idx[NB-1:0]));
    ss_ram #(.W(YB), .AW(RB + QB)) u_queue (
        .clk(clk), .re(q_re), .raddr({row, qk[QB-1:0]}), .rdata(q_rd), .we(enq),
        .waddr({enq_row, qn_enq[QB-1:0]}), .wdata(enq_syn));
    ss_ram #(.W(2 * CPB), .AW(NB), .INIT_FILE(CPTR_FILE)) u_cptr (
        .clk(clk), .re(cp_re), .raddr(pl_rd), .rdata(cp_rd), .we(1'b0), .waddr({NB{1'b0}}), .wdata({2 * CPB{1'b0}}));
    ss_ram #(.W(CW), .AW(CPB), .INIT_FILE(CSC_FILE)) u_csc (
        .clk(clk), .re(cs_re), .raddr(cj), .rdata(cs_rd), .we(1'b0), .waddr({CPB{1'b0}}), .wdata({CW{1'b0}}));
    generate
        if (ELIG != 0) begin : elig
            ss_ram #(.W(32), .AW(YB)) u_elig (
                .clk(clk), .re(e_re), .raddr(e_ra), .rdata(e_rd), .we(e_we), .waddr(e_wa), .wdata(e_wd));
        end else begin : no_elig
            assign e_rd = 32'd0;
            wire unused_e = &{1'b0, e_re, e_we, e_ra, e_wa, e_wd, 1'b0};
        end
    endgenerate
    assign e_rdata = e_rd;
    ss_ram #(.W(2 * RKB), .AW(SB), .INIT_FILE(ROLE_FILE)) u_role (
        .clk(clk), .re(t_issue), .raddr(ti[SB-1:0]), .rdata(ro_rd), .we(1'b0), .waddr({SB{1'b0}}),
        .wdata({2 * RKB{1'b0}}));

    wire [NB-1:0] d_tgt = sy_rdata[NB-1:0];
    wire [RB-1:0] c_lag = cs_rd[SB + YB +: RB];
    wire [SB-1:0] c_src = cs_rd[YB +: SB];
    wire [YB-1:0] c_syn = cs_rd[0 +: YB];
    wire d_issue = (ph == U_DEP) && (qk != qn);
    wire p_issue = (ph == U_PW) && (cj != cend);
    // the rates of this step: the depression rate scaled by the modulator (SCALED), the gain g (ELIG)
    wire signed [63:0] am_acc = mulsh(AM64, ss_sx(m_step), CF);
    wire signed [63:0] am_now = (SCALED != 0) ? ss_sx(ss_sat(am_acc)) : AM64;
    wire signed [63:0] g_acc = LRB64 + mulsh(ss_sx(m_step), LR64, CF);
    wire signed [63:0] g_now = ss_sx(ss_sat(g_acc));
    wire [WB-1:0] w_dep = new_weight(dw3[WO +: WB], ss_sx(yt_rd[31:0]), am_now, 1'b0);
    wire [WB-1:0] w_pot = new_weight(sy_rdata[WO +: WB], jumped(hi_rd), AP64, 1'b1);
    wire signed [63:0] e_dep = elig_sum(e_rd, dw3[WO +: WB], ss_sx(yt_rd[31:0]), am_now, 1'b0);
    wire signed [63:0] e_pot = elig_sum(e_rd, sy_rdata[WO +: WB], jumped(hi_rd), AP64, 1'b1);
    wire s_issue = (ph == U_SW) && (cj != NPLS_C);
    wire due = (pcount == PERIOD - 1);
    // clamps of e (DEP stage 3, POT stage 2), of g (entering SWP) and of the scaled rate (entering DEP)
    wire e_sat = (ELIG != 0) && (((ph == U_DEP) && d3 && ss_issat(e_dep)) || ((ph == U_PW) && p2 && ss_issat(e_pot)));
    wire to_sw = (ELIG != 0) && (ph == U_PL) && (pi == pcnt) && due;
    wire to_dep = (ph == U_TRC) && !t_issue && !tv;
    wire [15:0] rate_sat = ((to_sw && ss_issat(g_acc)) ? NPL16 : 16'd0)
                         + ((SCALED != 0 && to_dep && ss_issat(am_acc)) ? NPL16 : 16'd0);

    // TRC stage 2: the traces before this step's jump, and whether the jump of a used trace clamps
    wire [31:0] x_pre = next_trace(hi_rd, DPRE64);
    wire [31:0] x_post = next_trace(yt_rd, DPOST64);
    wire t_sat = (PAIR == 0) && (ph == U_TRC) && tv && fl_rd;
    wire sat_pre = t_sat && (x_pre >= 32'h7F000000);
    wire sat_post = t_sat && ({1'b0, tidx} < NN) && (x_post >= 32'h7F000000);
    wire [RKB:0] tr_sat = (sat_pre ? {1'b0, ro_rd[0 +: RKB]} : {(RKB+1){1'b0}})
                        + (sat_post ? {1'b0, ro_rd[RKB +: RKB]} : {(RKB+1){1'b0}});
    assign sat_inc = {{(15-RKB){1'b0}}, tr_sat} + {15'd0, e_sat} + rate_sat;

    // ------------------------------------------------------------ port multiplexers
    always @* begin
        fl_re = t_issue;  fl_ra = ti[SB-1:0];
        fl_we = spk_we;  fl_wa = spk_idx;  fl_wd = 1'b1;
        hi_re = t_issue;  hi_ra = {row - 1'b1, ti[SB-1:0]};
        hi_we = (ph == U_TRC) && tv;  hi_wa = {row, tidx};
        hi_wd = {fl_rd, x_pre};
        yt_re = t_issue;  yt_ra = ti[NB-1:0];
        yt_we = (ph == U_TRC) && tv && ({1'b0, tidx} < NN);  yt_wa = tidx[NB-1:0];
        yt_wd = {fl_rd, x_post};
        pl_re = (ph == U_PL);
        cp_re = (ph == U_PP);
        q_re = d_issue;
        cs_re = p_issue;
        sy_re = 1'b0;  sy_raddr = q_rd;
        sy_we = 1'b0;  sy_waddr = ds3;  sy_wdata = dw3;
        e_re = (ph == U_IDLE);  e_ra = host_e_addr;
        e_we = 1'b0;  e_wa = ds3;  e_wd = ss_sat(e_dep);
        case (ph)
            U_TRC: if (tv) begin
                fl_we = 1'b1;  fl_wa = tidx;  fl_wd = 1'b0;
            end
            U_DEP: begin
                sy_re = d1;  sy_raddr = q_rd;
                yt_re = d2;  yt_ra = d_tgt;
                e_re = d2;  e_ra = ds2;
                if (ELIG != 0) begin
                    e_we = d3;
                end else begin
                    sy_we = d3;  sy_waddr = ds3;
                    sy_wdata = dw3;  sy_wdata[WO +: WB] = w_dep;
                end
            end
            U_PW: begin
                hi_re = p1;  hi_ra = {row - c_lag, c_src};
                sy_re = p1;  sy_raddr = c_syn;
                e_re = p1;  e_ra = c_syn;
                if (ELIG != 0) begin
                    e_we = p2;  e_wa = ps2;  e_wd = ss_sat(e_pot);
                end else begin
                    sy_we = p2;  sy_waddr = ps2;
                    sy_wdata = sy_rdata;  sy_wdata[WO +: WB] = w_pot;
                end
            end
            U_SW: begin
                cs_re = s_issue;
                sy_re = s1;  sy_raddr = c_syn;
                e_re = s1;  e_ra = c_syn;
                sy_we = s2;  sy_waddr = ss2;
                sy_wdata = sy_rdata;  sy_wdata[WO +: WB] = periodic_w(sy_rdata[WO +: WB], e_rd, g_now);
                e_we = s2;  e_wa = ss2;  e_wd = decay_e(e_rd);
            end
            default: ;
        endcase
        if (clr) begin   // reset sweep (the unit is idle: rst holds it in U_IDLE until the sweep starts)
            fl_we = 1'b1;  fl_wa = clr_a[SB-1:0];  fl_wd = 1'b0;
            hi_we = 1'b1;  hi_wa = clr_a[RB+SB-1:0];  hi_wd = {HW{1'b0}};
            yt_we = 1'b1;  yt_wa = clr_a[NB-1:0];  yt_wd = {HW{1'b0}};
            e_we = 1'b1;  e_wa = clr_a[YB-1:0];  e_wd = 32'd0;
        end
    end

    // ------------------------------------------------------------------ controller
    always @(posedge clk) begin
        done <= 1'b0;
        if (rst) begin
            ph <= U_IDLE;  pcnt <= 0;  tv <= 1'b0;  d1 <= 1'b0;  d2 <= 1'b0;  d3 <= 1'b0;  p1 <= 1'b0;  p2 <= 1'b0;
            s1 <= 1'b0;  s2 <= 1'b0;  pcount <= 32'd0;
            for (k = 0; k < (1 << RB); k = k + 1) qcnt[k] <= 0;
        end else begin
            if (spk_we && ({1'b0, spk_idx} < NN)) pcnt <= pcnt + 1'b1;
            if (enq) qcnt[enq_row] <= qn_enq + 1'b1;
            case (ph)
                U_IDLE: if (start) begin
                    ph <= U_TRC;  ti <= 0;  tv <= 1'b0;
                end
                U_TRC: begin
                    if (t_issue) ti <= ti + 1'b1;
                    tv <= t_issue;
                    tidx <= ti[SB-1:0];
                    if (!t_issue && !tv) begin
                        ph <= U_DEP;  qk <= 0;  qn <= qcnt[row];  d1 <= 1'b0;  d2 <= 1'b0;  d3 <= 1'b0;
                    end
                end
                U_DEP: begin
                    if (d_issue) qk <= qk + 1'b1;
                    d1 <= d_issue;
                    d2 <= d1;  ds2 <= q_rd;
                    d3 <= d2;  ds3 <= ds2;  dw3 <= sy_rdata;
                    if (!d_issue && !d1 && !d2 && !d3) begin
                        qcnt[row] <= 0;  pi <= 0;  ph <= U_PL;
                    end
                end
                U_PL: begin
                    ph <= (pi != pcnt) ? U_PP : to_sw ? U_SW : U_FIN;
                    cj <= {CPB{1'b0}};  s1 <= 1'b0;  s2 <= 1'b0;
                end
                U_SW: begin
                    if (s_issue) cj <= cj + 1'b1;
                    s1 <= s_issue;
                    s2 <= s1;  ss2 <= c_syn;
                    if (!s_issue && !s1 && !s2) ph <= U_FIN;
                end
                U_PP: begin
                    pi <= pi + 1'b1;  ph <= U_PLAT;
                end
                U_PLAT: begin
                    cj <= cp_rd[0 +: CPB];  cend <= cp_rd[CPB +: CPB];  p1 <= 1'b0;  p2 <= 1'b0;  ph <= U_PW;
                end
                U_PW: begin
                    if (p_issue) cj <= cj + 1'b1;
                    p1 <= p_issue;
                    p2 <= p1;  ps2 <= c_syn;
                    if (!p_issue && !p1 && !p2) ph <= U_PL;
                end
                default: begin  // U_FIN
                    pcnt <= 0;  done <= 1'b1;  ph <= U_IDLE;
                    pcount <= due ? 32'd0 : pcount + 32'd1;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
