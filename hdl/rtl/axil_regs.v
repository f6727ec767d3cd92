// axil_regs: AXI4-Lite register block of the spikesim core.
//
// The register map (offsets, fields, access types, reset values) is generated from the Python
// table spikesim/fpga/regmap.py into spikesim_regmap.vh (included below); docs/register_map.md is
// the human-readable copy. Verilog-2001, one clock (aclk), synchronous active-low reset (aresetn).
//
// ------------------------------------------------------------------------------------------------
// AXI4-Lite side
//   * 32-bit data, ADDR_W-bit byte addresses (ADDR_W >= 7; bits [1:0] ignored, no aliasing:
//     every address bit above [1:0] is decoded). AxPROT is ignored. BRESP/RRESP are always OKAY;
//     unmapped offsets read 0 and ignore writes.
//   * AW and W are accepted independently (either may arrive first, or both together); each has a
//     one-entry holding register, so AWREADY/WREADY drop while one is held. A write is performed
//     when both are held and the B channel is free; BVALID then stays high until BREADY.
//     RVALID/RDATA likewise stay stable until RREADY. One read and one write may be outstanding
//     at once; a write and a read are never performed in the same cycle (the write goes first).
//   * WSTRB is honoured for RW registers and for W1C/W1P bits (a bit is written only if its byte
//     lane is enabled).
//
// ------------------------------------------------------------------------------------------------
// Core-side port contract (all signals synchronous to aclk; "pulse" = high for exactly one cycle)
//
//   core_start       out  pulse. Start a run of core_steps steps (0: run until core_stop).
//                         Issued only while idle (START written while busy is ignored).
//   core_stop        out  pulse. Finish the current step, then end the run (pulse core_done).
//   core_soft_reset  out  pulse. Reset the core's control state, step/overflow/saturation counters
//                         and the spike FIFO. (Wire the core's reset as ~aresetn | core_soft_reset.)
//   core_steps[31:0] out  level, STEPS register. Sample it on core_start.
//   core_modulator   out  level, MODULATOR register (signed, core-defined Q format); may change
//                         at any time, including while running.
//   core_modulator_we, core_modulator_rd
//                    out pulse / in level (MOD_CORE = 1): MODULATOR is the core's modulator register.
//                         A read returns core_modulator_rd; a write while idle merges the strobed bytes
//                         into core_modulator_rd and pulses core_modulator_we with core_modulator = the
//                         merged value (one clock later); a write while busy is rejected
//                         (STATUS.WRITE_REJECTED, REJECT_COUNT). MOD_CORE = 0: a plain RW register.
//   core_busy        in   level. High while a run is in progress. It must rise within a bounded
//                         time after core_start (the block counts the core busy from core_start
//                         until core_busy or core_done is seen) and fall when the run ends.
//   core_done        in   pulse when a run ends (at or after core_busy falls). Sets STATUS.DONE.
//                         (core_done and counter changes in the cycle of core_soft_reset set no flag.)
//   core_step_count, core_overflow_count, core_sat_count [31:0]
//                    in   level, counters kept by the core (cleared by core_soft_reset); read back
//                         as STEP_COUNT / OVERFLOW_COUNT / SAT_COUNT. A change of the overflow or
//                         saturation count to a non-zero value sets STATUS.OVERFLOW / SATURATED.
//   mem_sel[7:0], mem_addr[31:0], mem_wdata[31:0]
//                    out  level. Memory id (SPK_MEM_*), word address and write data of a host access.
//                         Stable from mem_we/mem_re until the access completes.
//   mem_we           out  pulse. Write mem_wdata to (mem_sel, mem_addr). Only ever issued while idle
//                         (not core_busy and no START pending): writes while busy are rejected
//                         here (STATUS.WRITE_REJECTED, REJECT_COUNT) and never reach the core.
//   mem_re           out  pulse. Read (mem_sel, mem_addr); only issued while idle (else the host
//                         read returns 0 with STATUS.READ_REJECTED). mem_we and mem_re are never
//                         high in the same cycle.
//   mem_rdata[31:0], mem_rvalid
//                    in   answer to mem_re: mem_rvalid high for one cycle with mem_rdata, in the same
//                         cycle as mem_re or any later one, within MEM_TIMEOUT cycles (else the host
//                         read returns 0 and STATUS.MEM_TIMEOUT is set). mem_rvalid is ignored when
//                         no read is pending. An absent memory must still answer (with 0).
//   spk_count[31:0]  in   level, number of entries in the spike FIFO (SPIKE_COUNT).
//   spk_valid        in   level, the FIFO is not empty; spk_data[30:0] is its head (first-word
//                         fall-through).
//   spk_pop          out  pulse, only while spk_valid. Remove the head; the FIFO must present the
//                         next head (or spk_valid = 0) in the cycle after the pop.
//   irq              out  level, CTRL.IRQ_EN & STATUS.DONE.
//
// With MEM_SEL.AUTO_INC set, mem_addr increments by one in the cycle after each mem_we/mem_re.
// ------------------------------------------------------------------------------------------------
`default_nettype none

module axil_regs #(
    parameter integer ADDR_W      = 8,          // AXI address width in bits (>= 7)
    parameter [31:0]  HW_INFO0    = 32'h0,      // value of the HW_INFO0 register
    parameter [31:0]  HW_INFO1    = 32'h0,      // value of the HW_INFO1 register
    parameter integer MEM_TIMEOUT = 1024,       // cycles to wait for mem_rvalid (2 .. 65535)
    parameter integer MOD_CORE    = 0           // 1: MODULATOR is the core's register (core_modulator_rd/_we)
) (
    input  wire              aclk,
    input  wire              aresetn,
    // AXI4-Lite slave
    input  wire [ADDR_W-1:0] s_axil_awaddr,
    input  wire [2:0]        s_axil_awprot,
    input  wire              s_axil_awvalid,
    output wire              s_axil_awready,
    input  wire [31:0]       s_axil_wdata,
    input  wire [3:0]        s_axil_wstrb,
    input  wire              s_axil_wvalid,
    output wire              s_axil_wready,
    output wire [1:0]        s_axil_bresp,
    output reg               s_axil_bvalid,
    input  wire              s_axil_bready,
    input  wire [ADDR_W-1:0] s_axil_araddr,
    input  wire [2:0]        s_axil_arprot,
    input  wire              s_axil_arvalid,
    output wire              s_axil_arready,
    output reg  [31:0]       s_axil_rdata,
    output wire [1:0]        s_axil_rresp,
    output reg               s_axil_rvalid,
    input  wire              s_axil_rready,
    // core side (see the contract above)
    output reg               core_start,
    output reg               core_stop,
    output reg               core_soft_reset,
    output wire [31:0]       core_steps,
    output wire [31:0]       core_modulator,
    output reg               core_modulator_we,
    input  wire [31:0]       core_modulator_rd,
    input  wire              core_busy,
    input  wire              core_done,
    input  wire [31:0]       core_step_count,
    input  wire [31:0]       core_overflow_count,
    input  wire [31:0]       core_sat_count,
    output wire [7:0]        mem_sel,
    output wire [31:0]       mem_addr,
    output wire [31:0]       mem_wdata,
    output reg               mem_we,
    output reg               mem_re,
    input  wire [31:0]       mem_rdata,
    input  wire              mem_rvalid,
    input  wire [31:0]       spk_count,
    input  wire              spk_valid,
    input  wire [30:0]       spk_data,
    output reg               spk_pop,
    output wire              irq
);

`include "spikesim_regmap.vh"

    localparam integer IW = ADDR_W - 2;             // word-index width
    localparam [31:0]  TO_LAST = MEM_TIMEOUT - 1;   // last cycle of a memory-read wait

    // ---------------------------------------------------------------- registers of the map
    reg        irq_en;
    reg        f_done, f_ovf, f_sat, f_wrej, f_rrej, f_mto;   // STATUS sticky flags
    reg [31:0] steps_r, mem_addr_r, mem_wdata_r, reject_cnt, modulator_r, scratch_r;
    reg [7:0]  mem_sel_r;
    reg        auto_inc;
    reg        start_wait;              // START issued, core_busy/core_done not yet seen
    reg [31:0] ovf_last, sat_last;      // previous counter values (change detection)

    wire busy = core_busy | start_wait;

    assign core_steps     = steps_r;
    assign core_modulator = modulator_r;
    assign mem_sel        = mem_sel_r;
    assign mem_addr       = mem_addr_r;
    assign mem_wdata      = mem_wdata_r;
    assign irq            = irq_en & f_done;
    assign s_axil_bresp   = 2'b00;
    assign s_axil_rresp   = 2'b00;

    // ---------------------------------------------------------------- write channel holding regs
    reg          aw_full, w_full;
    reg [IW-1:0] aw_idx;
    reg [31:0]   w_data;
    reg [3:0]    w_strb;
    reg          rd_wait;               // a memory read is pending on the core
    reg          ar_full;
    reg [IW-1:0] ar_idx;
    reg [15:0]   to_cnt;                // cycles waited for mem_rvalid
    wire         rd_timeout = rd_wait & ~mem_rvalid & (to_cnt == TO_LAST[15:0]);

    assign s_axil_awready = ~aw_full;
    assign s_axil_wready  = ~w_full;
    assign s_axil_arready = ~ar_full;

    wire do_write = aw_full & w_full & ~s_axil_bvalid & ~rd_wait;
    wire do_read  = ar_full & ~s_axil_rvalid & ~rd_wait & ~do_write & ~spk_pop;

    wire [31:0] wmask = {{8{w_strb[3]}}, {8{w_strb[2]}}, {8{w_strb[1]}}, {8{w_strb[0]}}};
    wire [31:0] wbits = w_data & wmask;                     // bits written (for W1C / W1P)

    function [31:0] merge;                                  // RW update honouring WSTRB
        input [31:0] old;
        input [31:0] data;
        input [31:0] mask;
        merge = (old & ~mask) | (data & mask);
    endfunction

    // decoded writes (valid only with do_write)
    wire wr_ctrl   = (aw_idx == SPK_IDX_CTRL[IW-1:0]);
    wire wr_status = (aw_idx == SPK_IDX_STATUS[IW-1:0]);
    wire wr_wdata  = (aw_idx == SPK_IDX_MEM_WDATA[IW-1:0]);
    wire w_start   = do_write & wr_ctrl & wbits[SPK_CTRL_START_LSB];
    wire w_stop    = do_write & wr_ctrl & wbits[SPK_CTRL_STOP_LSB];
    wire w_sreset  = do_write & wr_ctrl & wbits[SPK_CTRL_SOFT_RESET_LSB];
    wire w_clear   = do_write & wr_status;
    wire mem_write_ok  = do_write & wr_wdata & ~busy;
    wire mem_write_rej = do_write & wr_wdata & busy;
    wire wr_mod        = (aw_idx == SPK_IDX_MODULATOR[IW-1:0]) && (MOD_CORE != 0);
    wire mod_write_rej = do_write & wr_mod & busy;

    // decoded reads (valid only with do_read)
    wire rd_mem    = (ar_idx == SPK_IDX_MEM_RDATA[IW-1:0]);
    wire rd_spike  = (ar_idx == SPK_IDX_SPIKE_DATA[IW-1:0]);
    wire mem_read_ok  = do_read & rd_mem & ~busy;
    wire mem_read_rej = do_read & rd_mem & busy;

    // hardware flag events
    wire ovf_evt = (core_overflow_count != ovf_last) & (core_overflow_count != 32'd0);
    wire sat_evt = (core_sat_count != sat_last) & (core_sat_count != 32'd0);

    // ---------------------------------------------------------------- AXI handshakes
    always @(posedge aclk) begin
        if (!aresetn) begin
            aw_full       <= 1'b0;
            w_full        <= 1'b0;
            ar_full       <= 1'b0;
            s_axil_bvalid <= 1'b0;
            aw_idx        <= {IW{1'b0}};
            w_data        <= 32'd0;
            w_strb        <= 4'd0;
            ar_idx        <= {IW{1'b0}};
        end else begin
            if (s_axil_awvalid & ~aw_full) begin
                aw_full <= 1'b1;
                aw_idx  <= s_axil_awaddr[ADDR_W-1:2];
            end
            if (s_axil_wvalid & ~w_full) begin
                w_full <= 1'b1;
                w_data <= s_axil_wdata;
                w_strb <= s_axil_wstrb;
            end
            if (s_axil_arvalid & ~ar_full) begin
                ar_full <= 1'b1;
                ar_idx  <= s_axil_araddr[ADDR_W-1:2];
            end
            if (s_axil_bvalid & s_axil_bready) s_axil_bvalid <= 1'b0;
            if (do_write) begin
                aw_full       <= 1'b0;
                w_full        <= 1'b0;
                s_axil_bvalid <= 1'b1;
            end
            if (do_read) ar_full <= 1'b0;
        end
    end

    // ---------------------------------------------------------------- register file and core pulses
    always @(posedge aclk) begin
        if (!aresetn) begin
            irq_en          <= 1'b0;
            f_done          <= 1'b0;
            f_ovf           <= 1'b0;
            f_sat           <= 1'b0;
            f_wrej          <= 1'b0;
            f_rrej          <= 1'b0;
            f_mto           <= 1'b0;
            steps_r         <= 32'd0;
            mem_sel_r       <= 8'd0;
            auto_inc        <= 1'b0;
            mem_addr_r      <= 32'd0;
            mem_wdata_r     <= 32'd0;
            reject_cnt      <= 32'd0;
            modulator_r     <= 32'd0;
            core_modulator_we <= 1'b0;
            scratch_r       <= 32'd0;
            start_wait      <= 1'b0;
            ovf_last        <= 32'd0;
            sat_last        <= 32'd0;
            core_start      <= 1'b0;
            core_stop       <= 1'b0;
            core_soft_reset <= 1'b0;
            mem_we          <= 1'b0;
        end else begin
            ovf_last        <= core_overflow_count;
            sat_last        <= core_sat_count;
            core_start      <= 1'b0;
            core_stop       <= 1'b0;
            core_soft_reset <= 1'b0;
            mem_we          <= mem_write_ok;
            core_modulator_we <= do_write & wr_mod & ~busy;

            if (start_wait & (core_busy | core_done)) start_wait <= 1'b0;
            if ((mem_we | mem_re) & auto_inc) mem_addr_r <= mem_addr_r + 32'd1;

            // sticky flags: hardware set wins over a W1C clear in the same cycle; events seen while
            // core_soft_reset is high (the core's counters still hold their old values) are ignored
            f_done <= (f_done & ~(w_clear & wbits[SPK_STATUS_DONE_LSB]) & ~(w_start & ~busy)) | (core_done & ~core_soft_reset);
            f_ovf  <= (f_ovf  & ~(w_clear & wbits[SPK_STATUS_OVERFLOW_LSB]))       | (ovf_evt & ~core_soft_reset);
            f_sat  <= (f_sat  & ~(w_clear & wbits[SPK_STATUS_SATURATED_LSB]))      | (sat_evt & ~core_soft_reset);
            f_wrej <= (f_wrej & ~(w_clear & wbits[SPK_STATUS_WRITE_REJECTED_LSB])) | mem_write_rej | mod_write_rej;
            f_rrej <= (f_rrej & ~(w_clear & wbits[SPK_STATUS_READ_REJECTED_LSB]))  | mem_read_rej;
            f_mto  <= (f_mto  & ~(w_clear & wbits[SPK_STATUS_MEM_TIMEOUT_LSB]))    | rd_timeout;
            if (mem_write_rej | mem_read_rej | mod_write_rej) reject_cnt <= reject_cnt + 32'd1;

            if (do_write) begin
                case (aw_idx)
                    SPK_IDX_CTRL[IW-1:0]: begin
                        if (w_strb[SPK_CTRL_IRQ_EN_LSB / 8]) irq_en <= w_data[SPK_CTRL_IRQ_EN_LSB];
                        if (w_stop & ~w_sreset) core_stop <= 1'b1;
                        if (w_start & ~w_sreset & ~busy) begin
                            core_start <= 1'b1;
                            start_wait <= 1'b1;
                        end
                    end
                    SPK_IDX_STEPS[IW-1:0]:     steps_r     <= merge(steps_r, w_data, wmask);
                    SPK_IDX_MEM_SEL[IW-1:0]: begin
                        if (w_strb[0]) mem_sel_r <= w_data[SPK_MEM_SEL_SEL_LSB +: 8];
                        if (w_strb[SPK_MEM_SEL_AUTO_INC_LSB / 8]) auto_inc <= w_data[SPK_MEM_SEL_AUTO_INC_LSB];
                    end
                    SPK_IDX_MEM_ADDR[IW-1:0]:  mem_addr_r  <= merge(mem_addr_r, w_data, wmask);
                    SPK_IDX_MEM_WDATA[IW-1:0]: begin
                        mem_wdata_r <= merge(mem_wdata_r, w_data, wmask);
                    end
                    SPK_IDX_MODULATOR[IW-1:0]: if (MOD_CORE == 0) modulator_r <= merge(modulator_r, w_data, wmask);
                                               else if (!busy) modulator_r <= merge(core_modulator_rd, w_data, wmask);
                    SPK_IDX_SCRATCH[IW-1:0]:   scratch_r   <= merge(scratch_r, w_data, wmask);
                    default: ;
                endcase
            end

            if (w_sreset) begin
                core_soft_reset <= 1'b1;
                start_wait      <= 1'b0;
                f_done          <= 1'b0;
                f_ovf           <= 1'b0;
                f_sat           <= 1'b0;
                f_wrej          <= 1'b0;
                f_rrej          <= 1'b0;
                f_mto           <= 1'b0;
                reject_cnt      <= 32'd0;
            end
        end
    end

    // ---------------------------------------------------------------- read path
    reg [31:0] rd_mux;
    always @* begin
        rd_mux = 32'd0;
        case (ar_idx)
            SPK_IDX_ID[IW-1:0]:             rd_mux = SPK_ID_VALUE;
            SPK_IDX_VERSION[IW-1:0]:        rd_mux = SPK_VERSION_VALUE;
            SPK_IDX_HW_INFO0[IW-1:0]:       rd_mux = HW_INFO0;
            SPK_IDX_HW_INFO1[IW-1:0]:       rd_mux = HW_INFO1;
            SPK_IDX_CTRL[IW-1:0]:           rd_mux[SPK_CTRL_IRQ_EN_LSB] = irq_en;
            SPK_IDX_STATUS[IW-1:0]: begin
                rd_mux[SPK_STATUS_BUSY_LSB]           = busy;
                rd_mux[SPK_STATUS_DONE_LSB]           = f_done;
                rd_mux[SPK_STATUS_OVERFLOW_LSB]       = f_ovf;
                rd_mux[SPK_STATUS_SATURATED_LSB]      = f_sat;
                rd_mux[SPK_STATUS_WRITE_REJECTED_LSB] = f_wrej;
                rd_mux[SPK_STATUS_READ_REJECTED_LSB]  = f_rrej;
                rd_mux[SPK_STATUS_MEM_TIMEOUT_LSB]    = f_mto;
                rd_mux[SPK_STATUS_SPIKE_PENDING_LSB]  = spk_valid;
            end
            SPK_IDX_STEPS[IW-1:0]:          rd_mux = steps_r;
            SPK_IDX_STEP_COUNT[IW-1:0]:     rd_mux = core_step_count;
            SPK_IDX_MEM_SEL[IW-1:0]: begin
                rd_mux[SPK_MEM_SEL_SEL_LSB +: 8]     = mem_sel_r;
                rd_mux[SPK_MEM_SEL_AUTO_INC_LSB]     = auto_inc;
            end
            SPK_IDX_MEM_ADDR[IW-1:0]:       rd_mux = mem_addr_r;
            SPK_IDX_MEM_WDATA[IW-1:0]:      rd_mux = mem_wdata_r;
            SPK_IDX_SPIKE_COUNT[IW-1:0]:    rd_mux = spk_count;
            SPK_IDX_SPIKE_DATA[IW-1:0]:     rd_mux = spk_valid ? {1'b1, spk_data} : 32'd0;
            SPK_IDX_OVERFLOW_COUNT[IW-1:0]: rd_mux = core_overflow_count;
            SPK_IDX_SAT_COUNT[IW-1:0]:      rd_mux = core_sat_count;
            SPK_IDX_REJECT_COUNT[IW-1:0]:   rd_mux = reject_cnt;
            SPK_IDX_MODULATOR[IW-1:0]:      rd_mux = (MOD_CORE != 0) ? core_modulator_rd : modulator_r;
            SPK_IDX_SCRATCH[IW-1:0]:        rd_mux = scratch_r;
            default:                        rd_mux = 32'd0;   // MEM_RDATA comes from the core
        endcase
    end

    always @(posedge aclk) begin
        if (!aresetn) begin
            s_axil_rvalid <= 1'b0;
            s_axil_rdata  <= 32'd0;
            rd_wait       <= 1'b0;
            mem_re        <= 1'b0;
            spk_pop       <= 1'b0;
            to_cnt        <= 16'd0;
        end else begin
            mem_re  <= 1'b0;
            spk_pop <= 1'b0;
            if (s_axil_rvalid & s_axil_rready) s_axil_rvalid <= 1'b0;
            if (do_read) begin
                if (mem_read_ok) begin
                    mem_re  <= 1'b1;
                    rd_wait <= 1'b1;
                    to_cnt  <= 16'd0;
                end else begin
                    s_axil_rvalid <= 1'b1;
                    s_axil_rdata  <= rd_mem ? 32'd0 : rd_mux;
                    if (rd_spike & spk_valid) spk_pop <= 1'b1;
                end
            end
            if (rd_wait) begin
                to_cnt <= to_cnt + 16'd1;
                if (mem_rvalid | rd_timeout) begin
                    rd_wait       <= 1'b0;
                    s_axil_rvalid <= 1'b1;
                    s_axil_rdata  <= mem_rvalid ? mem_rdata : 32'd0;
                end
            end
        end
    end

    // AxPROT and the byte-offset address bits are not used
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0], s_axil_araddr[1:0], wbits,
                       core_modulator_rd};
    /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
