# spikesim: package an emitted design as the Vivado IP spikesim.org:user:spikesim_axi:1.0.
#
# NOT YET TRIED WITH VIVADO OR ON HARDWARE (see docs/vivado.md).
#
#   python -c "import mynet; mynet.net.emit_verilog('build/design')"     # or any Network
#   vivado -mode batch -source hdl/vivado/package_ip.tcl -tclargs build/design [ip_repo] [part]
#
# <design_dir>: the directory written by net.emit_verilog(out_dir) (spikesim_axi_top.v, the ss_*.v
#   cores, the *.vh headers and the $readmemh images *.hex).
# [ip_repo]: where the IP goes (default <design_dir>/ip_repo); the IP is <ip_repo>/spikesim_axi_1.0,
#   self-contained (its sources and images are copied under src/). Add <ip_repo> to a project's
#   IP repositories (set_property ip_repo_paths ...) to instantiate it.
# [part]: the part of the packaging project (default xc7z020clg400-1, the PYNQ-Z2's Zynq-7020).
#
# Interfaces of the IP: s_axil (AXI4-Lite slave, the s_axil_* ports, register map in
# docs/register_map.md), s_axis (AXI4-Stream slave, only if the top has s_axis_* ports), aclk (clock
# of both), aresetn (active-low reset), irq (level-high interrupt: CTRL.IRQ_EN & STATUS.DONE).

source [file join [file dirname [file normalize [info script]]] spikesim_common.tcl]

if {$argc < 1 || $argc > 3} {
    error "usage: vivado -mode batch -source package_ip.tcl -tclargs <design_dir> \[ip_repo\] \[part\]"
}
set ss_design_dir [file normalize [lindex $argv 0]]
set ss_ip_repo [file join $ss_design_dir ip_repo]
if {$argc > 1} { set ss_ip_repo [file normalize [lindex $argv 1]] }
set ss_part ""
if {$argc > 2} { set ss_part [lindex $argv 2] }
ss::package_ip $ss_design_dir $ss_ip_repo $ss_part
