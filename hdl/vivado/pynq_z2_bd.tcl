# spikesim: a PYNQ-Z2 (xc7z020clg400-1) overlay around an emitted design: bitstream + .hwh for pynq.Overlay.
#
# NOT YET TRIED WITH VIVADO OR ON HARDWARE (see docs/vivado.md).
#
#   vivado -mode batch -source hdl/vivado/pynq_z2_bd.tcl -tclargs <design_dir> [out_dir] [fclk_mhz] [jobs]
#
# <design_dir>: the directory written by net.emit_verilog(out_dir).
# [out_dir]: default <design_dir>/pynq_z2; gets ip_repo/ (the packaged IP), vivado/ (the project),
#   and spikesim.bit + spikesim.hwh (load with pynq.Overlay("spikesim.bit")), timing.rpt, utilization.rpt.
# [fclk_mhz]: the PL clock FCLK_CLK0 (default 20 MHz: the core's one-clock neuron update reaches
#   15-22 MHz on ECP5, docs/boards.md; Vivado's timing report decides, and the script says if timing fails).
# [jobs]: parallel jobs of the synthesis and implementation runs (default 2).
#
# Block design "spikesim":
#   ps7 (processing_system7: PYNQ-Z2 board preset if the tul.com.tw:pynq-z2 board files are installed,
#        else the board's DDR3 / MIO / clock settings below)
#   M_AXI_GP0 -> axi_periph (AXI interconnect) -> spikesim_0/s_axil      (0x43C0_0000)
#                                              -> axi_intc_0/s_axi        (0x4180_0000)
#                                              -> axi_dma_0/S_AXI_LITE    (0x4040_0000, only with s_axis)
#   axi_dma_0 (MM2S only, no scatter-gather) M_AXIS_MM2S -> spikesim_0/s_axis; M_AXI_MM2S -> axi_mem -> S_AXI_HP0
#   spikesim_0/irq (+ axi_dma_0/mm2s_introut) -> xlconcat -> axi_intc_0 -> ps7/IRQ_F2P
#     (pynq's interrupt support expects an AXI interrupt controller on IRQ_F2P[0])
#   FCLK_CLK0 clocks everything; proc_sys_reset rst_fclk0 makes the resets from FCLK_RESET0_N.

source [file join [file dirname [file normalize [info script]]] spikesim_common.tcl]

namespace eval ss {
    variable PYNQ_Z2_PART xc7z020clg400-1
    variable PYNQ_Z2_BOARD tul.com.tw:pynq-z2:part0:*
    # The PYNQ-Z2's PS settings when its board files are not installed (the values of the PYNQ
    # project's Pynq-Z2 hardware design: 50 MHz PS clock, DDR3 MT41J256M16 RE-125 x 2 = 16-bit
    # bus at 525 MHz, bank 0 3.3 V / bank 1 1.8 V, QSPI, Ethernet, USB0, SD0, UART0 on MIO).
    # The PYNQ image's boot loader configures the PS; an overlay's PS settings matter for the PL
    # clocks and the PL interfaces, but must still describe the board.
    variable PYNQ_Z2_PS7 {
        CONFIG.PCW_CRYSTAL_PERIPHERAL_FREQMHZ 50
        CONFIG.PCW_APU_PERIPHERAL_FREQMHZ 650
        CONFIG.PCW_PRESET_BANK0_VOLTAGE {LVCMOS 3.3V}
        CONFIG.PCW_PRESET_BANK1_VOLTAGE {LVCMOS 1.8V}
        CONFIG.PCW_UIPARAM_DDR_MEMORY_TYPE {DDR 3}
        CONFIG.PCW_UIPARAM_DDR_PARTNO {MT41J256M16 RE-125}
        CONFIG.PCW_UIPARAM_DDR_BUS_WIDTH {16 Bit}
        CONFIG.PCW_UIPARAM_DDR_FREQ_MHZ 525
        CONFIG.PCW_UIPARAM_DDR_BOARD_DELAY0 0.223
        CONFIG.PCW_UIPARAM_DDR_BOARD_DELAY1 0.212
        CONFIG.PCW_UIPARAM_DDR_BOARD_DELAY2 0.085
        CONFIG.PCW_UIPARAM_DDR_BOARD_DELAY3 0.092
        CONFIG.PCW_UIPARAM_DDR_DQS_TO_CLK_DELAY_0 0.040
        CONFIG.PCW_UIPARAM_DDR_DQS_TO_CLK_DELAY_1 0.058
        CONFIG.PCW_UIPARAM_DDR_DQS_TO_CLK_DELAY_2 -0.009
        CONFIG.PCW_UIPARAM_DDR_DQS_TO_CLK_DELAY_3 -0.033
        CONFIG.PCW_QSPI_PERIPHERAL_ENABLE 1
        CONFIG.PCW_QSPI_GRP_SINGLE_SS_ENABLE 1
        CONFIG.PCW_QSPI_GRP_FBCLK_ENABLE 1
        CONFIG.PCW_ENET0_PERIPHERAL_ENABLE 1
        CONFIG.PCW_ENET0_ENET0_IO {MIO 16 .. 27}
        CONFIG.PCW_ENET0_GRP_MDIO_ENABLE 1
        CONFIG.PCW_ENET0_GRP_MDIO_IO {MIO 52 .. 53}
        CONFIG.PCW_ENET0_RESET_ENABLE 1
        CONFIG.PCW_ENET0_RESET_IO {MIO 9}
        CONFIG.PCW_SD0_PERIPHERAL_ENABLE 1
        CONFIG.PCW_SD0_SD0_IO {MIO 40 .. 45}
        CONFIG.PCW_SD0_GRP_CD_ENABLE 1
        CONFIG.PCW_SD0_GRP_CD_IO {MIO 47}
        CONFIG.PCW_UART0_PERIPHERAL_ENABLE 1
        CONFIG.PCW_UART0_UART0_IO {MIO 14 .. 15}
        CONFIG.PCW_USB0_PERIPHERAL_ENABLE 1
        CONFIG.PCW_USB0_RESET_ENABLE 1
        CONFIG.PCW_USB0_RESET_IO {MIO 46}
        CONFIG.PCW_GPIO_MIO_GPIO_ENABLE 1
    }
    # Where the PS sees the PL peripherals (the addresses of PYNQ's own overlays for these IPs).
    variable PYNQ_Z2_ADDRESSES {spikesim_0 0x43C00000 axi_intc_0 0x41800000 axi_dma_0 0x40400000}
}

# Connect one clock or reset net: the source pin, then the sink pins (paths relative to the design root).
proc ss::net {source args} {
    set pins [list [get_bd_pins $source]]
    foreach p $args { lappend pins [get_bd_pins $p] }
    connect_bd_net {*}$pins
}

proc ss::pynq_z2 {design_dir out_dir {fclk_mhz 20} {jobs 2}} {
    variable VLNV
    variable TOP
    variable PYNQ_Z2_PART
    variable PYNQ_Z2_BOARD
    variable PYNQ_Z2_PS7
    variable PYNQ_Z2_ADDRESSES
    set design_dir [file normalize $design_dir]
    set out_dir [file normalize $out_dir]
    set ports [ss::top_ports [file join $design_dir $TOP.v]]
    ss::check_ports $ports
    set axis [ss::has_axis $ports]
    file mkdir $out_dir

    # 1. the IP
    set ip_repo [file join $out_dir ip_repo]
    ss::package_ip $design_dir $ip_repo $PYNQ_Z2_PART

    # 2. the project
    set proj_dir [file join $out_dir vivado]
    create_project -force spikesim_pynq_z2 $proj_dir -part $PYNQ_Z2_PART
    set board [lindex [lsort [get_board_parts -quiet $PYNQ_Z2_BOARD]] end]
    if {$board ne ""} {
        set_property board_part $board [current_project]
    } else {
        puts "spikesim: no PYNQ-Z2 board files ($PYNQ_Z2_BOARD); the PS gets the board's settings from this script"
    }
    set_property ip_repo_paths [list $ip_repo] [current_project]
    update_ip_catalog -rebuild
    if {[get_ipdefs -quiet $VLNV] eq ""} { error "the IP catalog has no $VLNV after packaging into $ip_repo" }

    # 3. the block design
    create_bd_design spikesim
    set ps7 [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:5.5 ps7]
    if {$board ne ""} {
        apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
            -config {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"} $ps7
    } else {
        set_property -dict $PYNQ_Z2_PS7 $ps7
        create_bd_intf_port -mode Master -vlnv xilinx.com:interface:ddrx_rtl:1.0 DDR
        create_bd_intf_port -mode Master -vlnv xilinx.com:display_processing_system7:fixedio_rtl:1.0 FIXED_IO
        connect_bd_intf_net [get_bd_intf_ports DDR] [get_bd_intf_pins ps7/DDR]
        connect_bd_intf_net [get_bd_intf_ports FIXED_IO] [get_bd_intf_pins ps7/FIXED_IO]
    }
    set_property -dict [list CONFIG.PCW_USE_M_AXI_GP0 1 CONFIG.PCW_EN_CLK0_PORT 1 CONFIG.PCW_EN_RST0_PORT 1 \
                            CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $fclk_mhz CONFIG.PCW_USE_FABRIC_INTERRUPT 1 \
                            CONFIG.PCW_IRQ_F2P_INTR 1 CONFIG.PCW_USE_S_AXI_HP0 $axis] $ps7

    create_bd_cell -type ip -vlnv $VLNV spikesim_0
    create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset:5.0 rst_fclk0
    set periph [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_interconnect:2.1 axi_periph]
    set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI [expr {$axis ? 3 : 2}]] $periph
    set intc [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_intc:4.1 axi_intc_0]
    set_property -dict [list CONFIG.C_IRQ_CONNECTION 1] $intc
    set concat [create_bd_cell -type ip -vlnv xilinx.com:ip:xlconcat:2.1 irq_concat]
    set_property -dict [list CONFIG.NUM_PORTS [expr {$axis ? 2 : 1}]] $concat

    set clocked {ps7/M_AXI_GP0_ACLK rst_fclk0/slowest_sync_clk axi_periph/ACLK axi_periph/S00_ACLK
                 axi_periph/M00_ACLK axi_periph/M01_ACLK spikesim_0/aclk axi_intc_0/s_axi_aclk}
    set interconnect_resets {axi_periph/ARESETN}
    set peripheral_resets {axi_periph/S00_ARESETN axi_periph/M00_ARESETN axi_periph/M01_ARESETN
                           spikesim_0/aresetn axi_intc_0/s_axi_aresetn}
    connect_bd_intf_net [get_bd_intf_pins ps7/M_AXI_GP0] [get_bd_intf_pins axi_periph/S00_AXI]
    connect_bd_intf_net [get_bd_intf_pins axi_periph/M00_AXI] [get_bd_intf_pins spikesim_0/s_axil]
    connect_bd_intf_net [get_bd_intf_pins axi_periph/M01_AXI] [get_bd_intf_pins axi_intc_0/s_axi]
    ss::net spikesim_0/irq irq_concat/In0

    if {$axis} {
        # AXI DMA, MM2S only (simple mode): DDR -> HP0 -> DMA -> s_axis.
        set tdata [ss::port_width $ports s_axis_tdata]
        if {![string is integer -strict $tdata]} { set tdata 32 }
        set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 axi_dma_0]
        set_property -dict [list CONFIG.c_include_sg 0 CONFIG.c_include_mm2s 1 CONFIG.c_include_s2mm 0 \
                                CONFIG.c_sg_include_stscntrl_strm 0 CONFIG.c_sg_length_width 23 \
                                CONFIG.c_m_axis_mm2s_tdata_width $tdata CONFIG.c_mm2s_burst_size 16] $dma
        set mem [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_interconnect:2.1 axi_mem]
        set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI 1] $mem
        connect_bd_intf_net [get_bd_intf_pins axi_periph/M02_AXI] [get_bd_intf_pins axi_dma_0/S_AXI_LITE]
        connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXIS_MM2S] [get_bd_intf_pins spikesim_0/s_axis]
        connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXI_MM2S] [get_bd_intf_pins axi_mem/S00_AXI]
        connect_bd_intf_net [get_bd_intf_pins axi_mem/M00_AXI] [get_bd_intf_pins ps7/S_AXI_HP0]
        ss::net axi_dma_0/mm2s_introut irq_concat/In1
        lappend clocked axi_periph/M02_ACLK axi_dma_0/s_axi_lite_aclk axi_dma_0/m_axi_mm2s_aclk \
            axi_mem/ACLK axi_mem/S00_ACLK axi_mem/M00_ACLK ps7/S_AXI_HP0_ACLK
        lappend interconnect_resets axi_mem/ARESETN
        lappend peripheral_resets axi_periph/M02_ARESETN axi_dma_0/axi_resetn axi_mem/S00_ARESETN axi_mem/M00_ARESETN
    }
    ss::net ps7/FCLK_CLK0 {*}$clocked
    ss::net ps7/FCLK_RESET0_N rst_fclk0/ext_reset_in
    ss::net rst_fclk0/interconnect_aresetn {*}$interconnect_resets
    ss::net rst_fclk0/peripheral_aresetn {*}$peripheral_resets
    ss::net irq_concat/dout axi_intc_0/intr
    ss::net axi_intc_0/irq ps7/IRQ_F2P

    # 4. addresses: automatic, then the usual PYNQ places (the driver reads them from the .hwh anyway)
    assign_bd_address
    foreach {cell offset} $PYNQ_Z2_ADDRESSES {
        set segs [get_bd_addr_segs -quiet -of_objects [get_bd_addr_spaces ps7/Data] -filter "NAME =~ *${cell}*"]
        foreach seg $segs {
            if {[catch {set_property offset $offset $seg} msg]} {
                puts "spikesim: kept the automatic address of $seg ($msg)"
            }
        }
    }
    validate_bd_design
    save_bd_design

    # 5. wrapper, bitstream, hardware handoff
    set bd [get_files spikesim.bd]
    generate_target all $bd
    add_files -norecurse [make_wrapper -files $bd -top]
    set_property top spikesim_wrapper [get_filesets sources_1]
    update_compile_order -fileset sources_1
    launch_runs impl_1 -to_step write_bitstream -jobs $jobs
    wait_on_run impl_1
    set impl [get_runs impl_1]
    if {[get_property PROGRESS $impl] ne "100%"} {
        error "implementation did not finish: [get_property STATUS $impl] (logs under $proj_dir)"
    }
    open_run impl_1
    report_timing_summary -file [file join $out_dir timing.rpt]
    report_utilization -file [file join $out_dir utilization.rpt]
    set wns [get_property STATS.WNS $impl]
    file copy -force [file join [get_property DIRECTORY $impl] spikesim_wrapper.bit] [file join $out_dir spikesim.bit]
    set hwh [glob -nocomplain [file join $proj_dir spikesim_pynq_z2.gen sources_1 bd spikesim hw_handoff spikesim.hwh] \
                              [file join $proj_dir spikesim_pynq_z2.srcs sources_1 bd spikesim hw_handoff spikesim.hwh]]
    if {$hwh eq ""} { error "no spikesim.hwh under $proj_dir (hw_handoff)" }
    file copy -force [lindex $hwh 0] [file join $out_dir spikesim.hwh]
    # layout.json (populations -> neuron indices) travels with the overlay for the host side
    file copy -force [file join $design_dir layout.json] [file join $out_dir spikesim.layout.json]
    if {$wns < 0} {
        puts "spikesim: WARNING: timing NOT met at FCLK_CLK0 = $fclk_mhz MHz (WNS $wns ns); rerun with a lower fclk_mhz"
    } else {
        puts "spikesim: timing met at FCLK_CLK0 = $fclk_mhz MHz (WNS $wns ns)"
    }
    puts "spikesim: wrote [file join $out_dir spikesim.bit] and [file join $out_dir spikesim.hwh] (pynq.Overlay)"
    return $out_dir
}

if {$argc < 1 || $argc > 4} {
    error "usage: vivado -mode batch -source pynq_z2_bd.tcl -tclargs <design_dir> \[out_dir\] \[fclk_mhz\] \[jobs\]"
}
set ss_design_dir [file normalize [lindex $argv 0]]
set ss_out_dir [file join $ss_design_dir pynq_z2]
set ss_fclk 20
set ss_jobs 2
if {$argc > 1} { set ss_out_dir [file normalize [lindex $argv 1]] }
if {$argc > 2} { set ss_fclk [lindex $argv 2] }
if {$argc > 3} { set ss_jobs [lindex $argv 3] }
ss::pynq_z2 $ss_design_dir $ss_out_dir $ss_fclk $ss_jobs
