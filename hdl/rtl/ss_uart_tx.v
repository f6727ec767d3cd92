`default_nettype none
// 8N1 UART transmitter (spikesim UART bridge, docs/uart.md): LSB first, one start and one stop bit.
// A one-clock start while !busy sends data; busy rises the clock after start and falls at the end of
// the stop bit, so bytes sent as soon as busy falls follow each other without a gap. tx idles high.
// CPB: clocks per bit (CLK_HZ / BAUD), 8 .. 65535 (checked by ss_uart_bridge).
module ss_uart_tx #(
    parameter integer CPB = 16
) (
    input  wire       clk,
    input  wire       rstn,
    input  wire [7:0] data,
    input  wire       start,
    output wire       tx,
    output reg        busy
);
    localparam [31:0] BIT_END32 = CPB - 1;
    localparam [15:0] BIT_END = BIT_END32[15:0];
    reg [9:0]  sh;   // {stop, data, start}, shifted out LSB first, refilled with 1s
    reg [15:0] cnt;
    reg [3:0]  nbit;
    assign tx = sh[0];

    always @(posedge clk) begin
        if (!rstn) begin
            sh <= 10'h3ff;
            cnt <= 16'd0;
            nbit <= 4'd0;
            busy <= 1'b0;
        end else if (!busy) begin
            if (start) begin
                sh <= {1'b1, data, 1'b0};
                cnt <= 16'd0;
                nbit <= 4'd0;
                busy <= 1'b1;
            end
        end else if (cnt == BIT_END) begin
            cnt <= 16'd0;
            sh <= {1'b1, sh[9:1]};
            nbit <= nbit + 4'd1;
            if (nbit == 4'd9) busy <= 1'b0;
        end else begin
            cnt <= cnt + 16'd1;
        end
    end
endmodule
`default_nettype wire
