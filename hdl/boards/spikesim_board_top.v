`default_nettype none
// Board top for spikesim.fpga.build (spikesim/fpga/boards.py): the board oscillator, divided by
// 2**DIV_BITS, clocks the emitted spikesim_uart_top (the AXI system behind the UART bridge,
// docs/uart.md); a power-on reset generator holds rstn low for 2**POR_BITS clocks after configuration
// and releases it synchronously; an LED shows irq. The divider is a counter whose top bit the tools
// put on a global clock network; DIV_BITS = 0 runs the design at the oscillator frequency. CLK_HZ is
// the design clock (the oscillator / 2**DIV_BITS), for the UART's bit timing.
module spikesim_board_top #(
    parameter integer CLK_HZ = 25000000,   // design clock (Hz) = oscillator / 2**DIV_BITS
    parameter integer BAUD = 115200,       // UART bit rate (bit/s)
    parameter integer DIV_BITS = 0,        // divide the oscillator by 2**DIV_BITS (0 .. 4)
    parameter integer LED_ACTIVE_LOW = 0,  // 1: the LED lights when its pin is low
    parameter integer POR_BITS = 16        // reset held for 2**POR_BITS design clocks
) (
    input  wire clk,
    input  wire uart_rx,
    output wire uart_tx,
    output wire led
);
    wire sys_clk;
    generate
        if (DIV_BITS > 0) begin : g_div
            reg [DIV_BITS-1:0] div;
            initial div = {DIV_BITS{1'b0}};
            always @(posedge clk) div <= div + 1'b1;
            assign sys_clk = div[DIV_BITS-1];
        end else begin : g_nodiv
            assign sys_clk = clk;
        end
    endgenerate

    // Flip-flops start at 0 after configuration on ECP5 and iCE40: the counter runs up to its top
    // bit, then stops; rstn is that registered bit.
    reg [POR_BITS:0] por;
    initial por = {(POR_BITS + 1){1'b0}};
    always @(posedge sys_clk) begin
        if (!por[POR_BITS]) por <= por + 1'b1;
    end
    wire rstn = por[POR_BITS];
    wire irq;

    spikesim_uart_top #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_top (
        .clk(sys_clk), .rstn(rstn), .uart_rx(uart_rx), .uart_tx(uart_tx), .irq(irq));

    assign led = (LED_ACTIVE_LOW != 0) ? ~irq : irq;
endmodule
`default_nettype wire
