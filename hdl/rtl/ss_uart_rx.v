`default_nettype none
// 8N1 UART receiver (spikesim UART bridge, docs/uart.md): LSB first, one start and one stop bit.
//
// * rx is synchronised (two flip-flops, reset high = idle line). A start bit is confirmed at its
//   middle (a shorter low pulse is ignored); the data bits are sampled every CPB clocks from there,
//   and the stop bit at its middle. A byte is delivered with a one-clock valid pulse at the middle
//   of its stop bit; ferr = 1 with it when the stop bit was 0 (framing error: wrong baud rate, break,
//   noise). After a framing error the receiver waits for the line to go high again before it looks
//   for the next start bit (a held-low line gives one error, not a stream of 0x00 bytes).
// * CPB: clocks per bit (CLK_HZ / BAUD), 8 .. 65535 (checked by ss_uart_bridge).
module ss_uart_rx #(
    parameter integer CPB = 16
) (
    input  wire       clk,
    input  wire       rstn,
    input  wire       rx,
    output reg  [7:0] data,
    output reg        valid,
    output reg        ferr
);
    localparam [31:0] BIT_END32 = CPB - 1;
    localparam [15:0] BIT_END = BIT_END32[15:0];
    localparam [31:0] HALF_END32 = CPB / 2 - 1;
    localparam [15:0] HALF_END = HALF_END32[15:0];
    localparam [2:0] S_IDLE = 3'd0, S_START = 3'd1, S_DATA = 3'd2, S_STOP = 3'd3, S_BREAK = 3'd4;
    reg [2:0]  state;
    reg [15:0] cnt;
    reg [2:0]  nbit;
    reg [7:0]  sh;
    reg        rx_m, rx_s;

    always @(posedge clk) begin
        if (!rstn) begin
            rx_m <= 1'b1;
            rx_s <= 1'b1;
            state <= S_IDLE;
            cnt <= 16'd0;
            nbit <= 3'd0;
            sh <= 8'd0;
            data <= 8'd0;
            valid <= 1'b0;
            ferr <= 1'b0;
        end else begin
            rx_m <= rx;
            rx_s <= rx_m;
            valid <= 1'b0;
            ferr <= 1'b0;
            cnt <= cnt + 16'd1;
            case (state)
                S_IDLE: begin
                    cnt <= 16'd0;
                    if (!rx_s) state <= S_START;
                end
                S_START: if (cnt == HALF_END) begin  // middle of the start bit
                    cnt <= 16'd0;
                    nbit <= 3'd0;
                    state <= rx_s ? S_IDLE : S_DATA;
                end
                S_DATA: if (cnt == BIT_END) begin
                    cnt <= 16'd0;
                    sh <= {rx_s, sh[7:1]};
                    nbit <= nbit + 3'd1;
                    if (nbit == 3'd7) state <= S_STOP;
                end
                S_STOP: if (cnt == BIT_END) begin   // middle of the stop bit
                    cnt <= 16'd0;
                    data <= sh;
                    valid <= 1'b1;
                    ferr <= !rx_s;
                    state <= rx_s ? S_IDLE : S_BREAK;
                end
                S_BREAK: if (rx_s) state <= S_IDLE;
                default: state <= S_IDLE;
            endcase
        end
    end
endmodule
`default_nettype wire
