`default_nettype none
// spikesim modulator unit: the one global modulator M of a design (a dopamine-like dynamic modulator
// or a NALSM astrocyte), bit-exact with spikesim/fixed_plastic.py (modulator_step).
//
// The register R (held by ss_core as mod_r: what the host reads and writes through MODULATOR, Q8.24)
// is M between steps, already decayed for the next step. During a step the unit counts the spikes of
// its two sources through the core's spike snoop (msrc.hex: per global index {in source 1, in source 0});
// at `start` (the beginning of the plasticity phase, after every spike of the step is in the list):
//   clock 0:  m_step = clamp(R + G0 * c0 + G1 * c1)      (the M of this step, read by ss_stdp)
//   clock 1:  R' = clamp(mul_shift(m_step, MDEC, 24) + MBIAS)   (reg_we, reg_next)
// Each clamp that changes a value adds one to sat_inc. Dynamic modulator: MDEC = q(exp(-dt/tau))
// (2**24 for tau = inf), MBIAS = 0, G0 = q(per_spike); astrocyte: MDEC = q(1 - dt/tau),
// MBIAS = q(dt/tau * bias), G0 = q(dt/tau * w_astro) (liquid), G1 = -G0 (inputs).
module ss_mod #(
    parameter integer SB = 4,          // source address bits
    parameter integer MDEC = 0,        // Q8.24
    parameter integer MBIAS = 0,       // Q8.24
    parameter integer G0 = 0,          // Q8.24 per spike of source 0
    parameter integer G1 = 0,          // Q8.24 per spike of source 1
    parameter MSRC_FILE = ""
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          spk_we,       // a spike of this step enters the core's spike list
    input  wire [SB-1:0] spk_idx,
    input  wire          start,
    input  wire [31:0]   reg_in,       // R
    output reg  [31:0]   m_step,
    output wire          reg_we,
    output wire [31:0]   reg_next,
    output wire [1:0]    sat_inc
);
`include "ss_fixed.vh"
    wire [1:0] member;
    reg        hit, upd, msat;
    reg [SB:0] c0, c1;
    ss_ram #(.W(2), .AW(SB), .INIT_FILE(MSRC_FILE)) u_src (
        .clk(clk), .re(spk_we), .raddr(spk_idx), .rdata(member), .we(1'b0), .waddr({SB{1'b0}}), .wdata(2'b00));

    localparam signed [63:0] G0_64 = ss_sx(G0), G1_64 = ss_sx(G1), MDEC64 = ss_sx(MDEC), MBIAS64 = ss_sx(MBIAS);
    wire signed [63:0] acc = ss_sx(reg_in) + G0_64 * $signed({{(63-SB){1'b0}}, c0})
                             + G1_64 * $signed({{(63-SB){1'b0}}, c1});
    wire signed [63:0] nxt = ss_mulsh(ss_sx(m_step), MDEC64, 24) + MBIAS64;
    assign reg_we = upd;
    assign reg_next = ss_sat(nxt);
    assign sat_inc = upd ? {1'b0, msat} + {1'b0, ss_issat(nxt)} : 2'd0;

    always @(posedge clk) begin
        if (rst) begin
            hit <= 1'b0;  upd <= 1'b0;  msat <= 1'b0;  c0 <= 0;  c1 <= 0;  m_step <= 32'd0;
        end else begin
            hit <= spk_we;
            upd <= start;
            if (start) begin
                m_step <= ss_sat(acc);  msat <= ss_issat(acc);  c0 <= 0;  c1 <= 0;
            end else if (hit) begin
                c0 <= c0 + {{SB{1'b0}}, member[0]};
                c1 <= c1 + {{SB{1'b0}}, member[1]};
            end
        end
    end
endmodule
`default_nettype wire
