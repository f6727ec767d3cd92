# spikesim: shared pieces of the Vivado scripts (package_ip.tcl, pynq_z2_bd.tcl).
#
# NOT YET TRIED WITH VIVADO OR ON HARDWARE: Vivado cannot run where these scripts were written.
# tests/test_vivado_tcl.py checks what can be checked without it: the scripts are complete Tcl,
# the pure-Tcl procs below (ports, files) agree with what spikesim's emitter writes, and a dry
# run with every Vivado command stubbed names only files and ports that exist.
#
# Written for Vivado's Tcl 8.5: no lmap, no string cat, no try (the test checks).
#
# The namespace ::ss holds
#   * pure Tcl (any tclsh): the VLNV, the design's files and the top's ports;
#   * ss::package_ip, which runs Vivado's IP packager (ipx::*) on an emitted design directory.

namespace eval ss {
    # Must equal spikesim.fpga.driver.VLNV (the pynq driver binds to it; the test compares them).
    variable VLNV "spikesim.org:user:spikesim_axi:1.0"
    variable TOP spikesim_axi_top
    variable DEFAULT_PART xc7z020clg400-1
    # Tops and modules of the emitted directory that are not part of spikesim_axi_top:
    # the bare core's top and the UART bridge (docs/uart.md).
    variable NOT_AXI {spikesim_top.v spikesim_uart_top.v ss_uart_bridge.v ss_uart_rx.v ss_uart_tx.v}
    # The AXI4-Lite signals of the slave (AXI4-Lite has no burst, id, lock, cache or qos signals).
    variable AXIL_SIGNALS {awaddr awprot awvalid awready wdata wstrb wvalid wready bresp bvalid bready
                           araddr arprot arvalid arready rdata rresp rvalid rready}
}

# The files of spikesim_axi_top in an emitted design directory, as a dict:
# verilog (the modules, top last), headers (*.vh, `include'd), memories (*.hex / *.mem, $readmemh images).
proc ss::design_files {design_dir} {
    variable TOP
    variable NOT_AXI
    set top [file join $design_dir $TOP.v]
    if {![file exists $top]} {
        error "$design_dir has no $TOP.v: pass the directory written by net.emit_verilog(out_dir)"
    }
    set verilog {}
    foreach f [lsort [glob -nocomplain -directory $design_dir -types f *.v]] {
        set name [file tail $f]
        if {$name ne "$TOP.v" && [lsearch -exact $NOT_AXI $name] < 0} {
            lappend verilog [file normalize $f]
        }
    }
    lappend verilog [file normalize $top]
    set headers {}
    foreach f [lsort [glob -nocomplain -directory $design_dir -types f *.vh]] {
        lappend headers [file normalize $f]
    }
    set memories {}
    foreach f [lsort [glob -nocomplain -directory $design_dir -types f *.hex *.mem]] {
        lappend memories [file normalize $f]
    }
    if {[llength $memories] == 0} {
        error "$design_dir has no memory images (*.hex): the design's RAMs would start empty"
    }
    return [dict create verilog $verilog headers $headers memories $memories]
}

# The ports of module $module in a Verilog-2001 file with an ANSI port list, as a list of
# {name direction width}; width is the number of bits when the range is numeric, else the range text.
proc ss::top_ports {file {module spikesim_axi_top}} {
    set fh [open $file r]
    set text [read $fh]
    close $fh
    regsub -all {//[^\n]*} $text {} text
    regsub -all {/\*([^*]|\*+[^*/])*\*+/} $text {} text
    # (Tcl regexps take their greediness from the first quantifier: no non-greedy parts here.)
    if {![regexp "module\\s+$module\\s*\\((\[^;\]*)\\)\\s*;" $text -> portlist]} {
        error "$file: no ANSI port list (without a parameter list) of module $module"
    }
    set ports {}
    foreach decl [split $portlist ,] {
        set decl [string trim $decl]
        if {![regexp {^(input|output|inout)\s+(?:wire\s+|reg\s+|logic\s+)?(?:signed\s+)?(\[[^\]]*\])?\s*(\w+)$} \
                  $decl -> dir range name]} {
            error "$file: cannot read the port declaration '$decl'"
        }
        set width 1
        if {$range ne ""} {
            if {[regexp {^\[\s*(\d+)\s*:\s*(\d+)\s*\]$} $range -> hi lo]} {
                set width [expr {abs($hi - $lo) + 1}]
            } else {
                set width $range
            }
        }
        lappend ports [list $name $dir $width]
    }
    return $ports
}

proc ss::port_names {ports} {
    set names {}
    foreach p $ports { lappend names [lindex $p 0] }
    return $names
}

# The AXI4-Lite port names s_axil_<signal>.
proc ss::axil_ports {} {
    variable AXIL_SIGNALS
    set names {}
    foreach s $AXIL_SIGNALS { lappend names s_axil_$s }
    return $names
}

proc ss::port_width {ports name} {
    foreach p $ports {
        if {[lindex $p 0] eq $name} { return [lindex $p 2] }
    }
    error "no port $name"
}

# Whether the top has the AXI4-Stream slave s_axis (s_axis_tdata, s_axis_tvalid, s_axis_tready).
proc ss::has_axis {ports} {
    set names [ss::port_names $ports]
    foreach s {tdata tvalid tready} {
        if {[lsearch -exact $names s_axis_$s] < 0} { return 0 }
    }
    return 1
}

# Fail early, naming the port, when the top lacks what the IP declares.
proc ss::check_ports {ports} {
    set names [ss::port_names $ports]
    foreach p [concat {aclk aresetn irq} [ss::axil_ports]] {
        if {[lsearch -exact $names $p] < 0} {
            error "spikesim_axi_top has no port $p (ports: $names)"
        }
    }
}

# The IP's interfaces: bus interface name -> the ports it maps.
proc ss::interfaces {ports} {
    set ifs [dict create s_axil [ss::axil_ports] aclk aclk aresetn aresetn irq irq]
    if {[ss::has_axis $ports]} {
        set names [ss::port_names $ports]
        dict set ifs s_axis [lsearch -all -inline -glob $names s_axis_*]
    }
    return $ifs
}

# ---------------------------------------------------------------------------------------------
# Vivado from here on (the commands below exist only inside Vivado).
# ---------------------------------------------------------------------------------------------

# A bus parameter of a bus interface, added when the packager did not create it.
proc ss::bus_parameter {busif name value} {
    set p [ipx::get_bus_parameters $name -of_objects $busif]
    if {$p eq ""} {
        set p [ipx::add_bus_parameter $name $busif]
    }
    set_property value $value $p
}

# Package the design in $design_dir as the IP $VLNV under $ip_repo/spikesim_axi_1.0; returns that directory.
proc ss::package_ip {design_dir ip_repo {part ""}} {
    variable VLNV
    variable TOP
    variable DEFAULT_PART
    if {$part eq ""} { set part $DEFAULT_PART }
    set design_dir [file normalize $design_dir]
    set files [ss::design_files $design_dir]
    set ports [ss::top_ports [file join $design_dir $TOP.v]]
    ss::check_ports $ports
    set axis [ss::has_axis $ports]
    lassign [split $VLNV :] vendor library name version

    # A self-contained IP: the sources and images are copied under <ip_root>/src.
    set ip_root [file normalize [file join $ip_repo ${name}_$version]]
    file delete -force $ip_root
    file mkdir [file join $ip_root src]
    set src [dict create]
    dict for {kind paths} $files {
        set copies {}
        foreach f $paths {
            set dst [file join $ip_root src [file tail $f]]
            file copy -force $f $dst
            lappend copies $dst
        }
        dict set src $kind $copies
    }

    set pkg_dir [file join $ip_repo .package_project]
    create_project -force spikesim_ip_package $pkg_dir -part $part
    add_files -norecurse -fileset sources_1 [concat [dict get $src verilog] [dict get $src headers] \
                                                   [dict get $src memories]]
    if {[llength [dict get $src headers]]} {  ;# (get_files of an empty list would return every file)
        set_property file_type {Verilog Header} [get_files [dict get $src headers]]
    }
    # $readmemh("params.hex") etc.: the images are found by name among the project's memory files.
    set_property file_type {Memory File} [get_files [dict get $src memories]]
    set_property include_dirs [list [file join $ip_root src]] [get_filesets sources_1]
    set_property top $TOP [get_filesets sources_1]
    update_compile_order -fileset sources_1

    ipx::package_project -root_dir $ip_root -vendor $vendor -library $library -taxonomy /UserIP \
        -set_current true -force
    set core [ipx::current_core]
    set_property vendor $vendor $core
    set_property library $library $core
    set_property name $name $core
    set_property version $version $core
    set_property display_name "spikesim spiking network (AXI4-Lite)" $core
    set_property description "spikesim_axi_top emitted by spikesim: the ss_core spiking-network core behind\
        an AXI4-Lite register block (docs/register_map.md); irq = CTRL.IRQ_EN & STATUS.DONE (level)." $core
    set_property vendor_display_name spikesim $core
    set_property supported_families {zynq Production artix7 Production kintex7 Production spartan7 Production} $core

    # AXI4-Lite slave s_axil (from the s_axil_* ports), and the AXI4-Stream slave s_axis if the top has one.
    if {[ipx::get_bus_interfaces s_axil -of_objects $core] eq ""} {
        ipx::infer_bus_interfaces xilinx.com:interface:aximm_rtl:1.0 $core
    }
    set axil [ipx::get_bus_interfaces s_axil -of_objects $core]
    if {$axil eq ""} { error "Vivado did not infer the AXI4-Lite interface s_axil from the s_axil_* ports" }
    set busifs s_axil
    if {$axis} {
        if {[ipx::get_bus_interfaces s_axis -of_objects $core] eq ""} {
            ipx::infer_bus_interfaces xilinx.com:interface:axis_rtl:1.0 $core
        }
        if {[ipx::get_bus_interfaces s_axis -of_objects $core] eq ""} {
            error "Vivado did not infer the AXI4-Stream interface s_axis from the s_axis_* ports"
        }
        lappend busifs s_axis
    }

    # aclk drives every bus interface; aresetn is its active-low reset.
    if {[ipx::get_bus_interfaces aclk -of_objects $core] eq ""} {
        ipx::infer_bus_interface aclk xilinx.com:signal:clock_rtl:1.0 $core
    }
    if {[ipx::get_bus_interfaces aresetn -of_objects $core] eq ""} {
        ipx::infer_bus_interface aresetn xilinx.com:signal:reset_rtl:1.0 $core
    }
    set clk [ipx::get_bus_interfaces aclk -of_objects $core]
    ss::bus_parameter $clk ASSOCIATED_BUSIF [join $busifs :]
    ss::bus_parameter $clk ASSOCIATED_RESET aresetn
    ss::bus_parameter [ipx::get_bus_interfaces aresetn -of_objects $core] POLARITY ACTIVE_LOW

    # irq: a level-high interrupt (CTRL.IRQ_EN & STATUS.DONE).
    set irq [ipx::get_bus_interfaces irq -of_objects $core]
    if {$irq eq ""} {
        set irq [ipx::add_bus_interface irq $core]
        set_property abstraction_type_vlnv xilinx.com:signal:interrupt_rtl:1.0 $irq
        set_property bus_type_vlnv xilinx.com:signal:interrupt:1.0 $irq
        set_property interface_mode master $irq
        set_property physical_name irq [ipx::add_port_map INTERRUPT $irq]
    }
    ss::bus_parameter $irq SENSITIVITY LEVEL_HIGH

    # The register window: 8 address bits (64 registers) used; 4 KiB is the smallest window the
    # Zynq address editor assigns, the upper address bits are not decoded (the window repeats).
    set mm [ipx::get_memory_maps s_axil -of_objects $core]
    if {$mm eq ""} {
        set mm [ipx::add_memory_map s_axil $core]
        set_property slave_memory_map_ref s_axil $axil
    }
    set blocks [ipx::get_address_blocks -of_objects $mm]
    if {$blocks eq ""} { set blocks [ipx::add_address_block regs $mm] }
    foreach blk $blocks {
        set_property range 4096 $blk
        set_property width 32 $blk
        set_property usage register $blk
    }

    # The $readmemh images go with the sources into synthesis and simulation; the headers as includes.
    foreach fg_name {xilinx_anylanguagesynthesis xilinx_anylanguagebehavioralsimulation} {
        set fg [ipx::get_file_groups $fg_name -of_objects $core]
        if {$fg eq ""} { error "the packager made no file group $fg_name" }
        foreach f [dict get $src memories] {
            set rel src/[file tail $f]
            set obj [ipx::get_files $rel -of_objects $fg]
            if {$obj eq ""} { set obj [ipx::add_file $rel $fg] }
            set_property type mem $obj
        }
        foreach f [dict get $src headers] {
            set rel src/[file tail $f]
            set obj [ipx::get_files $rel -of_objects $fg]
            if {$obj eq ""} { set obj [ipx::add_file $rel $fg] }
            set_property type verilogSource $obj
            set_property is_include true $obj
        }
    }

    set_property core_revision 1 $core
    ipx::create_xgui_files $core
    ipx::update_checksums $core
    ipx::check_integrity $core
    ipx::save_core $core
    if {[get_property vlnv $core] ne $VLNV} {
        error "packaged [get_property vlnv $core], expected $VLNV"
    }
    close_project
    file delete -force $pkg_dir
    puts "spikesim: packaged $VLNV ([llength [dict get $src verilog]] Verilog files,\
          [llength [dict get $src memories]] memory images, s_axis: $axis) into $ip_root"
    return $ip_root
}
