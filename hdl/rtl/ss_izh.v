`default_nettype none
// One Izhikevich neuron update (combinational): deliver, integrate, threshold, reset.
// Bit-exact with spikesim.fixed.deliver + izh_advance (see docs/fixed_point.md).
//
// State word (32-bit fields, field 0 in the low bits): v (Q16.16 mV), u (Q16.16), I_0 .. I_{NCUR-1} (Q16.16 mV/ms).
// Param word: adt (Q8.24 a*dt), b (Q8.24), c, d, i_offset, v_peak (Q16.16), then adec_k (Q8.24).
// Ring inputs: current slots 0 .. NCUR-1, delta slot NCUR, pulse slot NCUR+1.
// NETM = 1: two v half-steps of DTV (= dt/2), u with the new v; NETM = 0: forward Euler, DTV = dt.
module ss_izh #(
    parameter integer NCUR = 1,
    parameter integer NETM = 0,
    parameter integer DTV = 0      // Q8.24
) (
    input  wire [32*(2+NCUR)-1:0]   st_in,
    input  wire [32*(6+NCUR)-1:0]   prm,
    input  wire [32*(NCUR+2)-1:0]   ring,
    input  wire [31:0]              iext,
    output reg  [32*(2+NCUR)-1:0]   st_out,
    output reg                      spiked,
    output reg  [7:0]               nsat
);
`include "ss_fixed.vh"
    localparam integer CF = 24, VF = 16;
    localparam signed [63:0] C04 = 64'sd671089;          // round(0.04 * 2^24)
    localparam signed [63:0] FIVE = 64'sd327680;         // 5 << 16
    localparam signed [63:0] C140 = 64'sd9175040;        // 140 << 16

    integer k, h;
    localparam [31:0] DTV32 = DTV;
    reg signed [63:0] v, u, vd, itot, x, ik, v1, t1, t2, rhs, w, u1;
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [63:0] dec;  // a decayed current: fits 32 bits (|decay| <= 1)
    /* verilator lint_on UNUSEDSIGNAL */
    reg [31:0] ud;

    always @* begin
        nsat = 8'd0;
        v = ss_sx(st_in[31:0]);
        u = ss_sx(st_in[63:32]);
        // deliver: Delta into v (no refractory gate), pulse and current channels
        x = v + ss_sx(ring[32*NCUR +: 32]);
        vd = ss_sx(ss_sat(x));
        if (ss_issat(x)) nsat = nsat + 8'd1;
        itot = ss_sx(prm[32*4 +: 32]) + ss_sx(iext) + ss_sx(ring[32*(NCUR+1) +: 32]);
        st_out = {(32*(2+NCUR)){1'b0}};
        for (k = 0; k < NCUR; k = k + 1) begin
            x = ss_sx(st_in[64+32*k +: 32]) + ss_sx(ring[32*k +: 32]);
            ik = ss_sx(ss_sat(x));
            if (ss_issat(x)) nsat = nsat + 8'd1;
            itot = itot + ik;
            dec = ss_mulsh(ik, ss_sx(prm[32*(6+k) +: 32]), CF);
            st_out[64+32*k +: 32] = dec[31:0];
        end
        x = itot;
        itot = ss_sx(ss_sat(x));
        if (ss_issat(x)) nsat = nsat + 8'd1;
        // v: one Euler step of DTV, or two (netm)
        v1 = vd;
        for (h = 0; h < ((NETM != 0) ? 2 : 1); h = h + 1) begin
            t1 = ss_mulsh(v1, C04, CF) + FIVE;
            x = ss_mulsh(t1, v1, VF);
            t2 = ss_sx(ss_sat(x));
            if (ss_issat(x)) nsat = nsat + 8'd1;
            x = t2 + C140 - u + itot;
            rhs = ss_sx(ss_sat(x));
            if (ss_issat(x)) nsat = nsat + 8'd1;
            x = v1 + ss_mulsh(rhs, ss_sx(DTV32), CF);
            v1 = ss_sx(ss_sat(x));
            if (ss_issat(x)) nsat = nsat + 8'd1;
        end
        // u: with the old v (Euler) or the new v (netm)
        x = ss_mulsh((NETM != 0) ? v1 : vd, ss_sx(prm[32*1 +: 32]), CF) - u;
        w = ss_sx(ss_sat(x));
        if (ss_issat(x)) nsat = nsat + 8'd1;
        x = u + ss_mulsh(w, ss_sx(prm[31:0]), CF);
        u1 = ss_sx(ss_sat(x));
        if (ss_issat(x)) nsat = nsat + 8'd1;
        // threshold and reset
        spiked = (v1 >= ss_sx(prm[32*5 +: 32]));
        x = u1 + ss_sx(prm[32*3 +: 32]);
        ud = ss_sat(x);
        if (spiked && ss_issat(x)) nsat = nsat + 8'd1;
        st_out[31:0] = spiked ? prm[32*2 +: 32] : v1[31:0];
        st_out[63:32] = spiked ? ud : u1[31:0];
    end
endmodule
`default_nettype wire
