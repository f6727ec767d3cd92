// spikesim fixed-point rules (spikesim/fixed.py), as functions included inside a module body.
// Every statement is evaluated exactly in 64-bit signed arithmetic and clamped to 32 bits.

// sign-extend a 32-bit word to 64 bits
function signed [63:0] ss_sx;
    input [31:0] x;
    begin
        ss_sx = {{32{x[31]}}, x};
    end
endfunction

// (a * b) >>> s: multiply by a Q.s constant, round towards -inf (arithmetic shift)
function signed [63:0] ss_mulsh;
    input signed [63:0] a;
    input signed [63:0] b;
    input integer s;
    reg signed [63:0] p;
    begin
        p = a * b;
        ss_mulsh = p >>> s;
    end
endfunction

// clamp to the 32-bit state range
function [31:0] ss_sat;
    input signed [63:0] x;
    begin
        if (x > 64'sh000000007fffffff) ss_sat = 32'h7fffffff;
        else if (x < 64'shffffffff80000000) ss_sat = 32'h80000000;
        else ss_sat = x[31:0];
    end
endfunction

// 1 when ss_sat(x) changes x (a saturation)
function ss_issat;
    input signed [63:0] x;
    begin
        ss_issat = (x > 64'sh000000007fffffff) || (x < 64'shffffffff80000000);
    end
endfunction
