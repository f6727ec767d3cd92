`default_nettype none
// One LIF neuron update (combinational): deliver, integrate, threshold, reset.
// Bit-exact with spikesim.fixed.deliver + lif_advance (see docs/fixed_point.md).
//
// State word (32-bit fields, field 0 in the low bits): v (Q16.16 mV), refr (steps), I_0 .. I_{NCUR-1} (Q16.16 mV).
// Param word: am, drive, v_thresh, v_reset, ref, then (kappa_k, adec_k) for k = 0 .. NCUR-1.
// Ring inputs: one 32-bit entry per slot: current slots 0 .. NCUR-1, delta slot NCUR, pulse slot NCUR+1.
module ss_lif #(
    parameter integer NCUR = 1
) (
    input  wire [32*(2+NCUR)-1:0]   st_in,
    input  wire [32*(5+2*NCUR)-1:0] prm,
    input  wire [32*(NCUR+2)-1:0]   ring,
    input  wire [31:0]              iext,     // external current (Q16.16 mV)
    output reg  [32*(2+NCUR)-1:0]   st_out,
    output reg                      spiked,
    output reg  [7:0]               nsat      // saturations counted in this update
);
`include "ss_fixed.vh"
    localparam integer CF = 24;  // coefficient fractional bits

    integer k;
    reg signed [63:0] v, refr, refr1, vd, pulse, drive, acc, ksum, vn, ik, x;
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [63:0] dec;  // a decayed current: fits 32 bits (|decay| <= 1)
    /* verilator lint_on UNUSEDSIGNAL */
    reg active, gate;

    always @* begin
        nsat = 8'd0;
        v = ss_sx(st_in[31:0]);
        refr = ss_sx(st_in[63:32]);
        // deliver: Delta into v, gated by the previous step's refractory count
        gate = (refr == 0);
        x = v + ss_sx(ring[32*NCUR +: 32]);
        vd = gate ? ss_sx(ss_sat(x)) : v;
        if (gate && ss_issat(x)) nsat = nsat + 8'd1;
        pulse = ss_sx(ring[32*(NCUR+1) +: 32]);
        // refractory count and drive
        refr1 = (refr > 0) ? refr - 1 : 64'sd0;
        active = (refr1 == 0);
        x = ss_sx(prm[32*1 +: 32]) + ss_sx(iext) + pulse;
        drive = ss_sx(ss_sat(x));
        if (active && ss_issat(x)) nsat = nsat + 8'd1;
        // current channels: deliver, couple into v, decay
        ksum = 64'sd0;
        st_out = {(32*(2+NCUR)){1'b0}};
        for (k = 0; k < NCUR; k = k + 1) begin
            x = ss_sx(st_in[64+32*k +: 32]) + ss_sx(ring[32*k +: 32]);
            ik = ss_sx(ss_sat(x));
            if (ss_issat(x)) nsat = nsat + 8'd1;
            ksum = ksum + ss_mulsh(ik, ss_sx(prm[32*(5+2*k) +: 32]), CF);
            dec = ss_mulsh(ik, ss_sx(prm[32*(6+2*k) +: 32]), CF);
            st_out[64+32*k +: 32] = dec[31:0];
        end
        // integrate (exact for the linear dynamics), threshold, reset
        acc = drive + ss_mulsh(vd - drive, ss_sx(prm[31:0]), CF) + ksum;
        vn = active ? ss_sx(ss_sat(acc)) : vd;
        if (active && ss_issat(acc)) nsat = nsat + 8'd1;
        spiked = active && (vn >= ss_sx(prm[32*2 +: 32]));
        st_out[31:0] = spiked ? prm[32*3 +: 32] : vn[31:0];
        x = ss_sx(prm[32*4 +: 32]);
        st_out[63:32] = spiked ? ((x > 0) ? x[31:0] : 32'd1) : refr1[31:0];
    end
endmodule
`default_nettype wire
