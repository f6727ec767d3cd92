`default_nettype none
// Simple dual-port RAM: one synchronous read port, one write port, no reset (BRAM inference).
// Read-during-write of the same address returns the old word. INIT_FILE: $readmemh image,
// or "" for all zeros.
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
    reg [W-1:0] mem [0:(1<<AW)-1];
    integer i;
    initial begin
        for (i = 0; i < (1 << AW); i = i + 1) mem[i] = {W{1'b0}};
        if (INIT_FILE != "") $readmemh(INIT_FILE, mem);
        rdata = {W{1'b0}};
    end
    always @(posedge clk) begin
        if (we) mem[waddr] <= wdata;
        if (re) rdata <= mem[raddr];
    end
endmodule
`default_nettype wire
