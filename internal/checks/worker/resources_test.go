package worker

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// fakeRoot writes /proc and /sys/fs/cgroup files under a temporary root.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func meminfo(kB int) string {
	return fmt.Sprintf("MemTotal:       %d kB\nMemFree:          1000 kB\n", kB)
}

func TestResources(t *testing.T) {
	const gib = 1 << 20 // in kB
	for _, tc := range []struct {
		name   string
		cpus   int
		files  map[string]string
		status checks.Status
		wants  []string
	}{
		{"a t3.small: 2 vCPU and the 1.9 GiB it shows of its 2 GiB", 2,
			map[string]string{"proc/meminfo": meminfo(1_940_000), "proc/self/cgroup": "0::/\n"},
			checks.Pass, []string{"2 vCPU available", "1.99 GB (1.85 GiB) available"}},
		{"a t3.micro: 1 GiB fails", 2,
			map[string]string{"proc/meminfo": meminfo(gib), "proc/self/cgroup": "0::/\n"},
			checks.Fail, []string{"1.07 GB (1.00 GiB) available; the documented minimum is 2 GB", "t3.micro"}},
		{"between 90 and 95 % of 2 GB warns", 2,
			map[string]string{"proc/meminfo": meminfo(1_800_000), "proc/self/cgroup": "0::/\n"},
			checks.Warn, []string{"just under the documented minimum of 2 GB"}},
		{"one CPU fails", 1,
			map[string]string{"proc/meminfo": meminfo(4 * gib)},
			checks.Fail, []string{"1 vCPU available; the documented minimum is 2"}},
		{"cgroup v2 limits of a container", 8,
			map[string]string{"proc/meminfo": meminfo(16 * gib), "proc/self/cgroup": "0::/kubepods/pod1/c1\n",
				"sys/fs/cgroup/cgroup.controllers": "cpu memory", "sys/fs/cgroup/kubepods/pod1/cpu.max": "150000 100000\n",
				"sys/fs/cgroup/kubepods/pod1/c1/cpu.max": "max 100000\n", "sys/fs/cgroup/kubepods/pod1/c1/memory.max": "1073741824\n"},
			checks.Fail, []string{"1.5 vCPU available", "cgroup cpu limit: 1.50", "cgroup memory limit: 1.07 GB (1.00 GiB)"}},
		{"cgroup v2 without limits", 4,
			map[string]string{"proc/meminfo": meminfo(8 * gib), "proc/self/cgroup": "0::/user.slice\n", "sys/fs/cgroup/user.slice/memory.max": "max\n",
				"sys/fs/cgroup/user.slice/cpu.max": "max 100000\n"},
			checks.Pass, []string{"4 vCPU available", "8.59 GB"}},
		{"cgroup v1 limits", 8,
			map[string]string{"proc/meminfo": meminfo(16 * gib), "proc/self/cgroup": "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n",
				"sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n", "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
				"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "3221225472\n"},
			checks.Pass, []string{"2 vCPU available", "cgroup memory limit: 3.22 GB"}},
		{"cgroup v1 unlimited reads a huge number", 2,
			map[string]string{"proc/meminfo": meminfo(4 * gib), "proc/self/cgroup": "4:memory:/\n", "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"},
			checks.Pass, []string{"4.29 GB"}},
		{"no /proc/meminfo", 2, map[string]string{}, checks.Warn, []string{"cannot read the memory size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := defaultDeps()
			d.root = fakeRoot(t, tc.files)
			d.numCPU = func() int { return tc.cpus }
			o := run(t, ResourcesID, vars(), d)
			msgtest.Expect(t, ResourcesID, o, tc.status, tc.wants...)
		})
	}
}

// TestResourcesOnThisMachine reads the real /proc and cgroup files.
func TestResourcesOnThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		testsvc.SkipUnlessRequired(t, "no /proc here")
	}
	o := run(t, ResourcesID, vars(), defaultDeps())
	if o.Result.Status == checks.Error || o.Result.Status == checks.Skip {
		t.Fatalf("status %s", o.Result.Status)
	}
	if _, ok := o.Result.Details.Get("memory total"); !ok {
		t.Errorf("no memory total in %v", o.Result.Details)
	}
}
