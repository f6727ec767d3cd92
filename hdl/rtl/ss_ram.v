`default_nettype none
// Simple dual-port RAM: one synchronous read port, one write port, no reset (BRAM inference).
// Read-during-write of the same address returns an undefined word (X in simulation): the block RAMs
// do not promise the old word across ports, and yosys would otherwise emulate it with a W-bit
// write buffer and multiplexer in logic beside every block (W LUTs + 2W flip-flops: 1/3 of the
// design's logic on an iCE40). `no_rw_check` tells yosys that no reader relies on the collision;
// the X makes every simulation (Icarus is 4-state) fail if one did. INIT_FILE: $readmemh image, which
// must hold all 2**AW words (the emitter pads its images to the depth: $readmemh leaves words past
// the end of the file unchanged, i.e. undefined), or "" for all zeros.
// The zero fill of a memory without INIT_FILE is simulation-only: yosys unrolls such a loop into one
// init statement per word at a cost quadratic in the depth (~40 min for 2**16 words), while an
// uninitialized block RAM or LUT-RAM powers up as 0 on the targets (xc7, ECP5, iCE40) anyway. The
// memories without an image that the core reads before writing (delay ring, iext, STDP state) are
// cleared by ss_core's reset sweep in any case.
// rdata's zero start is simulation-only too (the block RAMs' output registers have no power-up
// value); every reader reads a word before it uses rdata.
module ss_ram #(
    parameter integer W = 32,          // word width (bits)
    parameter integer AW = 4,          // address width; depth 2**AW
    parameter INIT_FILE = ""
) (
    input  wire          clk,
    input  wire          re,
    input  wire [AW-1:0] raddr,
    output reg  [W-1:0]  rdata,
    input  wire          we,
    input  wire [AW-1:0] waddr,
    input  wire [W-1:0]  wdata
);
    (* no_rw_check *) reg [W-1:0] mem [0:(1<<AW)-1];
    integer i;
    initial begin
        if (INIT_FILE != "") $readmemh(INIT_FILE, mem);
`ifndef SYNTHESIS
        else for (i = 0; i < (1 << AW); i = i + 1) mem[i] = {W{1'b0}};
        rdata = {W{1'b0}};
`endif
    end
    always @(posedge clk) begin
        if (we) mem[waddr] <= wdata;
        if (re) rdata <= mem[raddr];
`ifndef SYNTHESIS
        if (re && we && raddr == waddr) rdata <= {W{1'bx}};
`endif
    end
endmodule
`default_nettype wire
