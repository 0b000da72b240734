package worker

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// The documented minimum (concepts/worker-pools/README.md, "Hardware
// recommendations"): "Memory: 2GB minimum", "Compute power: 2 vCPUs
// minimum", for server types such as AWS t3.small (2 vCPU, 2 GiB).
// Whether 2GB means 10^9 or 2^30 bytes is not said, and a machine shows
// its processes less memory than it has (the kernel keeps some), so the
// check passes 95 % of 2 GB (a t3.small shows about 1.9 GiB), warns down
// to 90 % and fails below: a host 1–2 % short is a warning, never a
// failure.
const (
	minCPUs     = 2.0
	minMemory   = 2e9
	passShare   = 0.95
	warnShare   = 0.90
	cpuPassRoom = 0.98
)

// resources is worker.resources: CPU and memory as this process sees
// them, cgroup limits included, against the documented minimum.
func resources(d deps) checks.Result {
	var v checks.Verdict
	lim := readCgroupLimits(d.root)
	cpus := float64(d.numCPU())
	v.Detail("cpus online", d.numCPU())
	if lim.version != "" {
		v.Detail("cgroup", lim.version+" "+lim.path)
	}
	if lim.cpu > 0 && lim.cpu < cpus {
		cpus = lim.cpu
		v.Detail("cgroup cpu limit", strconv.FormatFloat(lim.cpu, 'f', 2, 64))
	}
	switch {
	case cpus >= minCPUs*cpuPassRoom:
		v.Pass("cpu", "%s vCPU available (minimum %g)", fmtCPU(cpus), minCPUs)
	case cpus >= minCPUs*warnShare:
		v.Warn("cpu", "Give the worker 2 vCPUs (e.g. an AWS t3.small, Azure Standard_A2_V2, GCP e2-medium).",
			"%s vCPU available, just under the documented minimum of %g", fmtCPU(cpus), minCPUs)
	default:
		v.Fail("cpu", "Give the worker at least 2 vCPUs (e.g. an AWS t3.small, Azure Standard_A2_V2, GCP e2-medium).",
			"%s vCPU available; the documented minimum is %g", fmtCPU(cpus), minCPUs)
	}
	mem, err := memTotal(d.root)
	if err != nil {
		v.Warn("memory", "Run the check on the worker host itself (Linux).", "cannot read the memory size: %v", err)
		return v.Result("")
	}
	v.Detail("memory total", fmtBytes(mem))
	if lim.memory > 0 && lim.memory < mem {
		mem = lim.memory
		v.Detail("cgroup memory limit", fmtBytes(lim.memory))
	}
	switch {
	case mem >= minMemory*passShare:
		v.Pass("memory", "%s available (minimum 2 GB)", fmtBytes(mem))
	case mem >= minMemory*warnShare:
		v.Warn("memory", "Give the worker 2 GB of memory or more (e.g. an AWS t3.small).",
			"%s available, just under the documented minimum of 2 GB", fmtBytes(mem))
	default:
		v.Fail("memory", "Give the worker at least 2 GB of memory (e.g. an AWS t3.small; the EC2 worker-pool module's default t3.micro has 1 GiB).",
			"%s available; the documented minimum is 2 GB", fmtBytes(mem))
	}
	return v.Result(fmt.Sprintf("the worker meets the documented minimum of %g vCPU and 2 GB", minCPUs))
}

func fmtCPU(c float64) string { return strconv.FormatFloat(math.Round(c*100)/100, 'f', -1, 64) }

func fmtBytes(b float64) string {
	return fmt.Sprintf("%.2f GB (%.2f GiB)", b/1e9, b/(1<<30))
}

// memTotal is MemTotal from /proc/meminfo, in bytes.
func memTotal(root string) (float64, error) {
	data, err := os.ReadFile(filepath.Join(root, "proc", "meminfo"))
	if err != nil {
		return 0, fmt.Errorf("/proc/meminfo: %s", pathErr(err))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				break
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc/meminfo has no MemTotal line")
}

// cgroupLimits are the CPU (in CPUs) and memory (bytes) limits of the
// process's cgroup and its ancestors; 0 means no limit.
type cgroupLimits struct {
	version string
	path    string
	cpu     float64
	memory  float64
}

// readCgroupLimits reads the limits of the cgroup this process is in,
// from /proc/self/cgroup and the cgroup filesystem: v2 (cpu.max,
// memory.max) or v1 (cpu.cfs_quota_us / cpu.cfs_period_us,
// memory.limit_in_bytes), the tightest along the path.
func readCgroupLimits(root string) cgroupLimits {
	data, err := os.ReadFile(filepath.Join(root, "proc", "self", "cgroup"))
	if err != nil {
		return cgroupLimits{}
	}
	fs := filepath.Join(root, "sys", "fs", "cgroup")
	var lim cgroupLimits
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		ctrls, p := parts[1], parts[2]
		switch {
		case parts[0] == "0" && ctrls == "":
			lim.version, lim.path = "v2", p
			for _, dir := range ancestors(fs, p) {
				lim.cpu = tighter(lim.cpu, cpuMax(filepath.Join(dir, "cpu.max")))
				lim.memory = tighter(lim.memory, number(filepath.Join(dir, "memory.max")))
			}
		case hasController(ctrls, "cpu"):
			lim.version, lim.path = "v1", p
			for _, dir := range v1Dirs(fs, ctrls, p) {
				quota, period := number(filepath.Join(dir, "cpu.cfs_quota_us")), number(filepath.Join(dir, "cpu.cfs_period_us"))
				if quota > 0 && period > 0 {
					lim.cpu = tighter(lim.cpu, quota/period)
				}
			}
		case hasController(ctrls, "memory"):
			lim.version = "v1"
			for _, dir := range v1Dirs(fs, ctrls, p) {
				// An unlimited v1 group reads as a huge number.
				if m := number(filepath.Join(dir, "memory.limit_in_bytes")); m > 0 && m < 1<<60 {
					lim.memory = tighter(lim.memory, m)
				}
			}
		}
	}
	return lim
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// ancestors are the cgroup directories from p up to the mount's root.
func ancestors(mount, p string) []string {
	var out []string
	for p = path.Clean("/" + p); ; p = path.Dir(p) {
		out = append(out, filepath.Join(mount, filepath.FromSlash(p)))
		if p == "/" {
			return out
		}
	}
}

// v1Dirs are where a v1 controller's files may be: under its mount, at
// the process's path (on a host) or at the mount's root (in a container,
// which sees its own group there).
func v1Dirs(fs, ctrls, p string) []string {
	for _, mount := range []string{filepath.Join(fs, ctrls), filepath.Join(fs, strings.Split(ctrls, ",")[0])} {
		if _, err := os.Stat(mount); err == nil {
			return ancestors(mount, p)
		}
	}
	return nil
}

// cpuMax reads cgroup v2's "QUOTA PERIOD" (or "max PERIOD").
func cpuMax(file string) float64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) != 2 || f[0] == "max" {
		return 0
	}
	q, err1 := strconv.ParseFloat(f[0], 64)
	per, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || per <= 0 {
		return 0
	}
	return q / per
}

// number reads a file holding one number ("max" and errors read as 0).
func number(file string) float64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(string(data)), 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// tighter is the smaller positive limit of a and b.
func tighter(a, b float64) float64 {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return math.Min(a, b)
}
