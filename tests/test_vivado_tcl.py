"""The Vivado scripts of hdl/vivado/, checked without Vivado (which cannot run here).

What is checked: every script is complete Tcl and avoids Tcl 8.6-only commands (Vivado's
interpreter is Tcl 8.5); the VLNV equals ``spikesim.fpga.driver.VLNV``; the pure-Tcl procs read
the emitted top's ports and the design's files exactly as the emitter wrote them; and a dry run of
both scripts, with every Vivado command replaced by a recorder, adds exactly the emitted files and
names only ports of the emitted top (with and without an AXI4-Stream slave ``s_axis``).
What is not checked: that Vivado accepts the commands, packages the IP, builds the bitstream, or
that the overlay works on a PYNQ-Z2 (docs/vivado.md).
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import spikesim as ss

ROOT = Path(__file__).resolve().parents[1]
VIVADO = ROOT / "hdl" / "vivado"
SCRIPTS = sorted(VIVADO.glob("*.tcl"))
#: The IP's VLNV, as spikesim.fpga.driver.VLNV spells it (checked against it below).
EXPECTED_VLNV = "spikesim.org:user:spikesim_axi:1.0"

tkinter = pytest.importorskip("tkinter")


def _tcl():
    try:
        return tkinter.Tcl()
    except tkinter.TclError as e:  # pragma: no cover - no Tcl library
        pytest.skip(f"no Tcl interpreter: {e}")


def _driver_vlnv() -> str:
    """spikesim.fpga.driver.VLNV (the pynq driver binds to the IP by it)."""
    from spikesim.fpga.driver import VLNV

    return VLNV


def _network() -> ss.Network:
    net = ss.Network(dt=0.1, seed=3)
    lif = ss.LIF(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0, t_ref=2.0)
    e = net.add_population("E", 12, lif, init={"v": ss.Uniform(-65.0, -55.0)})
    src = net.add_spike_source("In", 4, np.array([1.0, 2.0, 3.0]), np.array([0, 1, 2]))
    net.connect(src, e, ss.FixedProbability(0.5), synapse=ss.ExpCurrent(tau=5.0), weight=12.0, delay=0.5)
    net.connect(e, e, ss.FixedProbability(0.2), synapse=ss.ExpCurrent(tau=10.0), weight=-3.0, delay=0.3)
    return net


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    out = tmp_path_factory.mktemp("emitted")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.DelayRoundingWarning)
        d = _network().emit_verilog(str(out))
    return d


def _verilog_ports(path: Path, module: str = "spikesim_axi_top") -> dict[str, str]:
    """name -> direction of the ANSI ports of ``module`` (independent of the Tcl parser)."""
    text = re.sub(r"//[^\n]*", "", path.read_text())
    body = re.search(rf"module\s+{module}\s*\((.*?)\);", text, re.S).group(1)
    return {m.group(3): m.group(1) for m in re.finditer(r"(input|output|inout)\s+(?:wire\s+|reg\s+)?(\[[^\]]*\])?\s*(\w+)",
                                                        body)}


def _variant(design, tmp_path: Path, axis: bool) -> Path:
    """The emitted design, with (tdata 64 bits, if the emitter has none) or without an AXI4-Stream slave
    s_axis on the top (the emitter may or may not have one: the scripts must handle both)."""
    top = design.out_dir / "spikesim_axi_top.v"
    text = top.read_text()
    has = "s_axis_tdata" in _verilog_ports(top)
    if has == axis:
        return design.out_dir
    out = tmp_path / ("with_axis" if axis else "without_axis")
    shutil.copytree(design.out_dir, out)
    if axis:
        extra = ("    input  wire [63:0] s_axis_tdata,\n    input  wire        s_axis_tvalid,\n"
                 "    output wire        s_axis_tready,\n    input  wire        s_axis_tlast,\n    output wire        irq\n);")
        text = re.sub(r"output wire\s+irq\s*\n\);", extra, text, count=1)
    else:  # drop the port declarations (and their comment) from the port list; the body is not parsed
        head, body = text.split("\n);", 1)
        head = "\n".join(line for line in head.splitlines() if "s_axis" not in line)
        text = head + "\n);" + body
    (out / "spikesim_axi_top.v").write_text(text)
    assert ("s_axis_tready" in _verilog_ports(out / "spikesim_axi_top.v")) == axis
    return out


def test_scripts_are_complete_tcl_85():
    tcl = _tcl()
    assert {p.name for p in SCRIPTS} >= {"package_ip.tcl", "pynq_z2_bd.tcl", "spikesim_common.tcl"}
    for path in SCRIPTS:
        text = path.read_text()
        tcl.setvar("ss_text", text)
        assert tcl.eval("info complete $ss_text") == "1", f"{path.name} is not complete Tcl"
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for cmd in ("lmap", "string cat", "try", "tailcall", "zlib"):
            assert not re.search(rf"(^|[\[;{{\s]){cmd}\s", code), f"{path.name} uses {cmd!r} (Tcl 8.6; Vivado has 8.5)"
    if shutil.which("tclsh"):  # a second parser: tclsh must at least accept the helper file as a script
        import subprocess

        out = subprocess.run(["tclsh"], input=f"source {VIVADO / 'spikesim_common.tcl'}\nputs $ss::VLNV\n",
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == EXPECTED_VLNV


def test_vlnv_matches_the_driver():
    tcl = _tcl()
    tcl.eval(f"source {{{VIVADO / 'spikesim_common.tcl'}}}")
    assert tcl.eval("set ss::VLNV") == _driver_vlnv() == EXPECTED_VLNV
    for path in SCRIPTS:  # nothing else spells out another VLNV of ours
        for m in re.finditer(r"spikesim\.org:[\w:]+(?:\.\d+)*", path.read_text()):
            assert m.group(0) == EXPECTED_VLNV, f"{path.name}: {m.group(0)}"


def test_ports_and_files_read_from_the_emitted_design(design):
    tcl = _tcl()
    tcl.eval(f"source {{{VIVADO / 'spikesim_common.tcl'}}}")
    top = design.out_dir / "spikesim_axi_top.v"
    tcl.setvar("ss_top", str(top))
    n = int(tcl.eval("llength [set ss_ports [ss::top_ports $ss_top]]"))
    ports = {}
    for i in range(n):
        name, direction, width = (tcl.eval(f"lindex [lindex $ss_ports {i}] {j}") for j in range(3))
        ports[name] = (direction, width)
    expected = _verilog_ports(top)
    assert {k: v[0] for k, v in ports.items()} == expected
    assert ports["s_axil_wdata"][1] == "32" and ports["irq"] == ("output", "1")
    tcl.eval("ss::check_ports $ss_ports")
    assert tcl.eval("ss::has_axis $ss_ports") == ("1" if "s_axis_tdata" in expected else "0")
    iface_ports = tcl.eval("concat {*}[dict values [ss::interfaces $ss_ports]]").split()
    assert set(iface_ports) <= set(expected)

    tcl.setvar("ss_dir", str(design.out_dir))
    tcl.eval("set ss_files [ss::design_files $ss_dir]")
    verilog = [Path(p).name for p in tcl.eval("dict get $ss_files verilog").split()]
    assert verilog == [*sorted(p.name for p in design.axi_sources[:-1]), "spikesim_axi_top.v"]
    assert verilog[-1] == design.axi_sources[-1].name
    headers = {Path(p).name for p in tcl.eval("dict get $ss_files headers").split()}
    included = {m for p in design.axi_sources for m in re.findall(r'`include\s+"([^"]+)"', p.read_text())}
    assert headers == included
    memories = {Path(p).name for p in tcl.eval("dict get $ss_files memories").split()}
    readmem = {m.split("/")[-1] for m in re.findall(r'_FILE\("([^"]*)"\)', top.read_text()) if m}
    assert memories == readmem == {p.name for p in design.out_dir.glob("*.hex")}

    with pytest.raises(tkinter.TclError, match=r"no spikesim_axi_top\.v"):
        tcl.eval(f"ss::design_files {{{design.out_dir / 'missing'}}}")


#: Recorder for every command Tcl does not know (the Vivado ones): logs it and returns a plausible value.
#: Bus interfaces exist once inferred or added (so the script's "add when missing" branches run).
STUBS = r"""
set ::calls {}
set ::busifs {}
proc unknown {cmd args} {
    lappend ::calls [linsert $args 0 $cmd]
    switch -glob -- $cmd {
        ipx::infer_bus_interfaces {
            if {[string match *aximm* [lindex $args 0]]} { lappend ::busifs s_axil }
            if {[string match *axis* [lindex $args 0]]} { lappend ::busifs s_axis }
            return ""
        }
        ipx::infer_bus_interface - ipx::add_bus_interface { lappend ::busifs [lindex $args 0]; return [lindex $args 0] }
        ipx::get_bus_interfaces {
            set name [lindex $args 0]
            if {[lsearch -exact $::busifs $name] >= 0} { return $name }
            return ""
        }
        ipx::get_file_groups { return [lindex $args 0] }
        ipx::current_core { return core }
        get_property {
            switch -- [lindex $args 0] {
                vlnv { return $::ss::VLNV }
                PROGRESS { return 100% }
                STATS.WNS { return 0.5 }
                DIRECTORY { return $::fake_run_dir }
            }
            return ""
        }
        get_board_parts { return $::fake_board }
        get_ipdefs { return $::ss::VLNV }
        make_wrapper { return spikesim_wrapper.v }
        get_bd_pins - get_bd_intf_pins - get_bd_intf_ports { return [lindex $args end] }
        create_bd_cell { return [lindex $args end] }
        get_runs { return impl_1 }
    }
    return ""
}
"""


def _dry_run(script: str, argv: list[str], fake_run_dir: Path, board: str = "") -> list[list[str]]:
    tcl = _tcl()
    tcl.eval(STUBS)
    tcl.setvar("fake_run_dir", str(fake_run_dir))
    tcl.setvar("fake_board", board)
    tcl.eval("set argv {}; set argc 0")
    for a in argv:
        tcl.eval(f"lappend argv {{{a}}}")
    tcl.eval("set argc [llength $argv]")
    tcl.eval(f"source {{{VIVADO / script}}}")
    n = int(tcl.eval("llength $::calls"))
    return [[tcl.eval(f"lindex [lindex $::calls {i}] {j}") for j in range(int(tcl.eval(f"llength [lindex $::calls {i}]")))]
            for i in range(n)]


def _check_package_calls(calls: list[list[str]], design_dir: Path, ip_root: Path, axis: bool) -> None:
    ports = _verilog_ports(design_dir / "spikesim_axi_top.v")
    packaging = calls[:next(i for i, c in enumerate(calls) if c[0] == "ipx::package_project")]
    added = [Path(f).name for c in packaging if c[0] == "add_files" for f in c[-1].split()]
    emitted = sorted(p.name for p in design_dir.glob("*") if p.suffix in (".v", ".vh", ".hex"))
    not_axi = {"spikesim_top.v", "spikesim_uart_top.v", "ss_uart_bridge.v", "ss_uart_rx.v", "ss_uart_tx.v"}
    assert sorted(added) == sorted(set(emitted) - not_axi)
    for name in added:  # the IP is self-contained: every file was copied under src/
        assert (ip_root / "src" / name).read_bytes() == (design_dir / name).read_bytes()
    pkg = next(c for c in calls if c[0] == "ipx::package_project")
    assert pkg[pkg.index("-vendor") + 1] == "spikesim.org" and pkg[pkg.index("-library") + 1] == "user"
    props = {(c[1], c[2]) for c in calls if c[0] == "set_property" and len(c) == 4}
    assert {("name", "spikesim_axi"), ("version", "1.0"), ("top", "spikesim_axi_top")} <= props
    assert ("physical_name", "irq") in props and "irq" in ports
    inferred = [c[1] for c in calls if c[0] == "ipx::infer_bus_interface"]
    assert inferred == ["aclk", "aresetn"] and set(inferred) <= set(ports)
    assert ("value", "s_axil:s_axis" if axis else "s_axil") in props  # ASSOCIATED_BUSIF of aclk
    assert ("value", "ACTIVE_LOW") in props and ("value", "LEVEL_HIGH") in props
    infer_vlnvs = [c[1] for c in calls if c[0] == "ipx::infer_bus_interfaces"]
    assert infer_vlnvs == ["xilinx.com:interface:aximm_rtl:1.0"] + (["xilinx.com:interface:axis_rtl:1.0"] if axis else [])
    mem_files = sorted(c[1] for c in calls if c[0] == "ipx::add_file" and c[1].endswith(".hex"))
    hexes = sorted(f"src/{p.name}" for p in design_dir.glob("*.hex"))
    assert mem_files == sorted(hexes * 2)  # synthesis and simulation file groups


@pytest.mark.parametrize("axis", [False, True], ids=["axil-only", "with-s_axis"])
def test_package_ip_dry_run(design, tmp_path, axis):
    design_dir = _variant(design, tmp_path, axis)
    ip_repo = tmp_path / "ip_repo"
    calls = _dry_run("package_ip.tcl", [str(design_dir), str(ip_repo)], tmp_path)
    _check_package_calls(calls, design_dir, ip_repo / "spikesim_axi_1.0", axis)
    assert next(c for c in calls if c[0] == "create_project")[-1] == "xc7z020clg400-1"
    with pytest.raises(tkinter.TclError, match="usage"):
        _dry_run("package_ip.tcl", [], tmp_path)


@pytest.mark.parametrize("axis", [False, True], ids=["axil-only", "with-s_axis"])
@pytest.mark.parametrize("board", ["", "tul.com.tw:pynq-z2:part0:1.0"], ids=["ps7-settings", "board-files"])
def test_pynq_z2_block_design_dry_run(design, tmp_path, axis, board):
    design_dir = _variant(design, tmp_path, axis)
    out = tmp_path / "overlay"
    run_dir = tmp_path / "impl_1"
    run_dir.mkdir()
    (run_dir / "spikesim_wrapper.bit").write_bytes(b"bit")
    hwh = out / "vivado" / "spikesim_pynq_z2.gen" / "sources_1" / "bd" / "spikesim" / "hw_handoff"
    hwh.mkdir(parents=True)
    (hwh / "spikesim.hwh").write_text("<hwh/>")
    calls = _dry_run("pynq_z2_bd.tcl", [str(design_dir), str(out), "20"], run_dir, board)
    _check_package_calls(calls, design_dir, out / "ip_repo" / "spikesim_axi_1.0", axis)
    ports = _verilog_ports(design_dir / "spikesim_axi_top.v")
    assert next(c for c in calls if c[0] == "create_project")[-1] == "xc7z020clg400-1"
    cells = {c[-1]: c[c.index("-vlnv") + 1] for c in calls if c[0] == "create_bd_cell"}
    assert cells["spikesim_0"] == EXPECTED_VLNV and "ps7" in cells and "axi_intc_0" in cells
    assert ("axi_dma_0" in cells) == axis
    pins = {c[1].split("/", 1)[1] for c in calls if c[0] == "get_bd_pins" and c[1].startswith("spikesim_0/")}
    assert pins == {"aclk", "aresetn", "irq"} and pins <= set(ports)
    intf = {c[1].split("/", 1)[1] for c in calls if c[0] == "get_bd_intf_pins" and c[1].startswith("spikesim_0/")}
    assert intf == ({"s_axil", "s_axis"} if axis else {"s_axil"})
    dicts = " ".join(" ".join(c) for c in calls if c[0] == "set_property" and c[1] == "-dict")
    assert "CONFIG.PCW_USE_M_AXI_GP0 1" in dicts and "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 20" in dicts
    tdata = re.search(r"\[(\d+):0\]\s+s_axis_tdata", (design_dir / "spikesim_axi_top.v").read_text())
    assert ("CONFIG.c_m_axis_mm2s_tdata_width" in dicts) == axis
    if axis:
        assert f"CONFIG.c_m_axis_mm2s_tdata_width {int(tdata.group(1)) + 1}" in dicts
    assert ("MT41J256M16" in dicts) == (board == "")
    assert ("apply_bd_automation" in {c[0] for c in calls}) == bool(board)
    assert any(c[0] == "assign_bd_address" for c in calls)
    assert (out / "spikesim.bit").read_bytes() == b"bit"
    assert (out / "spikesim.hwh").read_text() == "<hwh/>"
    assert (out / "spikesim.layout.json").exists()
