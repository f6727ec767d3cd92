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
    parameter CPTR_FILE = "",
    parameter CSC_FILE = "",
    parameter ROLE_FILE = ""
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          clr,          // reset sweep: zero flag, hist, ytr at clr_a
    input  wire [RB+SB-1:0] clr_a,
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
    output wire [RKB:0]  sat_inc       // trace saturations counted in this clock
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

    localparam [2:0] U_IDLE = 3'd0, U_TRC = 3'd1, U_DEP = 3'd2, U_PL = 3'd3, U_PP = 3'd4, U_PLAT = 3'd5,
                     U_PW = 3'd6, U_FIN = 3'd7;
    reg [2:0] ph;

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
            mulsh = p[63:0] >>> s;
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

    // ------------------------------------------------------------------ memories
    reg  fl_re, fl_we, fl_wd;  reg [SB-1:0] fl_ra, fl_wa;  wire fl_rd;
    reg  hi_re, hi_we;  reg [RB+SB-1:0] hi_ra, hi_wa;  reg [HW-1:0] hi_wd;  wire [HW-1:0] hi_rd;
    reg  yt_re, yt_we;  reg [NB-1:0] yt_ra, yt_wa;  reg [HW-1:0] yt_wd;  wire [HW-1:0] yt_rd;
    reg  pl_re;  wire [NB-1:0] pl_rd;
    reg  q_re;  wire [YB-1:0] q_rd;
    reg  cp_re;  wire [2*CPB-1:0] cp_rd;
    reg  cs_re;  wire [CW-1:0] cs_rd;
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
    ss_ram #(.W(2 * RKB), .AW(SB), .INIT_FILE(ROLE_FILE)) u_role (
        .clk(clk), .re(t_issue), .raddr(ti[SB-1:0]), .rdata(ro_rd), .we(1'b0), .waddr({SB{1'b0}}),
        .wdata({2 * RKB{1'b0}}));

    wire [NB-1:0] d_tgt = sy_rdata[NB-1:0];
    wire [RB-1:0] c_lag = cs_rd[SB + YB +: RB];
    wire [SB-1:0] c_src = cs_rd[YB +: SB];
    wire [YB-1:0] c_syn = cs_rd[0 +: YB];
    wire d_issue = (ph == U_DEP) && (qk != qn);
    wire p_issue = (ph == U_PW) && (cj != cend);
    wire [WB-1:0] w_dep = new_weight(dw3[WO +: WB], ss_sx(yt_rd[31:0]), AM64, 1'b0);
    wire [WB-1:0] w_pot = new_weight(sy_rdata[WO +: WB], jumped(hi_rd), AP64, 1'b1);

    // TRC stage 2: the traces before this step's jump, and whether the jump of a used trace clamps
    wire [31:0] x_pre = next_trace(hi_rd, DPRE64);
    wire [31:0] x_post = next_trace(yt_rd, DPOST64);
    wire t_sat = (PAIR == 0) && (ph == U_TRC) && tv && fl_rd;
    wire sat_pre = t_sat && (x_pre >= 32'h7F000000);
    wire sat_post = t_sat && ({1'b0, tidx} < NN) && (x_post >= 32'h7F000000);
    assign sat_inc = (sat_pre ? {1'b0, ro_rd[0 +: RKB]} : {(RKB+1){1'b0}})
                   + (sat_post ? {1'b0, ro_rd[RKB +: RKB]} : {(RKB+1){1'b0}});

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
        case (ph)
            U_TRC: if (tv) begin
                fl_we = 1'b1;  fl_wa = tidx;  fl_wd = 1'b0;
            end
            U_DEP: begin
                sy_re = d1;  sy_raddr = q_rd;
                yt_re = d2;  yt_ra = d_tgt;
                sy_we = d3;  sy_waddr = ds3;
                sy_wdata = dw3;  sy_wdata[WO +: WB] = w_dep;
            end
            U_PW: begin
                hi_re = p1;  hi_ra = {row - c_lag, c_src};
                sy_re = p1;  sy_raddr = c_syn;
                sy_we = p2;  sy_waddr = ps2;
                sy_wdata = sy_rdata;  sy_wdata[WO +: WB] = w_pot;
            end
            default: ;
        endcase
        if (clr) begin   // reset sweep (the unit is idle: rst holds it in U_IDLE until the sweep starts)
            fl_we = 1'b1;  fl_wa = clr_a[SB-1:0];  fl_wd = 1'b0;
            hi_we = 1'b1;  hi_wa = clr_a;  hi_wd = {HW{1'b0}};
            yt_we = 1'b1;  yt_wa = clr_a[NB-1:0];  yt_wd = {HW{1'b0}};
        end
    end

    // ------------------------------------------------------------------ controller
    always @(posedge clk) begin
        done <= 1'b0;
        if (rst) begin
            ph <= U_IDLE;  pcnt <= 0;  tv <= 1'b0;  d1 <= 1'b0;  d2 <= 1'b0;  d3 <= 1'b0;  p1 <= 1'b0;  p2 <= 1'b0;
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
                U_PL: ph <= (pi == pcnt) ? U_FIN : U_PP;
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
                end
            endcase
        end
    end
endmodule
`default_nettype wire
