package perf

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{ms(5)}, ms(5)},
		{[]time.Duration{ms(9), ms(1), ms(5)}, ms(5)},
		{[]time.Duration{ms(4), ms(1), ms(3), ms(2)}, ms(2.5)},
	} {
		in := append([]time.Duration(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median reordered its input: %v", c.in)
			}
		}
	}
}

func TestWallBudget(t *testing.T) {
	if got := WallBudget(ms(400)); got != ms(530) {
		t.Errorf("WallBudget(400ms) = %v, want 530ms", got)
	}
	if got := WallBudget(0); got != ms(30) {
		t.Errorf("WallBudget(0) = %v, want 30ms", got)
	}
}

func run(wall time.Duration, durs map[string]time.Duration, order ...string) Run {
	var out []checks.Outcome
	for _, id := range order {
		st := checks.Pass
		if durs[id] == 0 {
			st = checks.Skip
		}
		out = append(out, checks.Outcome{Check: checks.Check{ID: id, Group: "g", Title: id}, Result: checks.Result{Status: st}, Duration: durs[id]})
	}
	return Run{Measurement: Measurement{Wall: wall}, Report: report.New(report.Tool{Name: "spacectl-preflight", Version: "test"}, time.Time{}, wall, out)}
}

func TestRunFigures(t *testing.T) {
	r := run(ms(500), map[string]time.Duration{"g.a": ms(100), "g.b": ms(400), "g.c": ms(400), "g.d": 0}, "g.a", "g.b", "g.c", "g.d")
	if s := r.Slowest(); s.ID != "g.b" || s.Duration != ms(400) {
		t.Errorf("Slowest = %s %v, want the first of the two 400ms checks", s.ID, s.Duration)
	}
	if got := r.SumOfChecks(); got != ms(900) {
		t.Errorf("SumOfChecks = %v", got)
	}
	if got := r.Ratio(); got != 1.25 {
		t.Errorf("Ratio = %v, want 1.25", got)
	}
	if got := r.Ran(); got != 3 {
		t.Errorf("Ran = %d, want 3 (one skipped)", got)
	}
	if got := (Run{}).Ratio(); got != 0 {
		t.Errorf("empty run ratio = %v", got)
	}
}

func TestMedianRunPicksOneWholeRun(t *testing.T) {
	var runs []Run
	for _, w := range []float64{30, 10, 50, 20} {
		runs = append(runs, run(ms(w), nil))
	}
	if got := MedianRun(runs).Wall; got != ms(20) {
		t.Errorf("MedianRun wall = %v, want the lower middle 20ms", got)
	}
	if got := MedianRun(runs[:3]).Wall; got != ms(30) {
		t.Errorf("MedianRun of 3 = %v, want 30ms", got)
	}
}

func TestParseRunReadsTheJSONReport(t *testing.T) {
	var b strings.Builder
	r := run(ms(50), map[string]time.Duration{"g.a": ms(12)}, "g.a")
	if err := report.JSON(&b, r.Report, report.Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := ParseRun(Measurement{Wall: ms(50), Stdout: []byte(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if got.Slowest().ID != "g.a" || got.Slowest().Duration != ms(12) {
		t.Errorf("parsed %+v", got.Slowest())
	}
	if _, err := ParseRun(Measurement{Stdout: []byte("spacectl-preflight: boom"), Stderr: []byte("config error")}); err == nil ||
		!strings.Contains(err.Error(), "config error") {
		t.Errorf("want an error quoting stderr, got %v", err)
	}
}

func TestParseInitTrace(t *testing.T) {
	trace := []byte(`init runtime @0.025 ms, 0.10 ms clock, 0 bytes, 0 allocs
some other stderr line
init github.com/x/heavy @1.8 ms, 1.5 ms clock, 448592 bytes, 3374 allocs
init github.com/x/light @1.9 ms, 0.010 ms clock, 16 bytes, 1 allocs
`)
	got := ParseInitTrace(trace)
	if len(got) != 3 || got[1].Package != "github.com/x/heavy" || got[1].Clock != ms(1.5) || got[1].Bytes != 448592 {
		t.Fatalf("ParseInitTrace = %+v", got)
	}
	second := ParseInitTrace([]byte("init github.com/x/heavy @1 ms, 2.5 ms clock, 448592 bytes, 1 allocs\n"))
	s := SummarizeInit([][]InitCost{got, second, got}, 2)
	if len(s.Top) != 2 || s.Top[0].Package != "github.com/x/heavy" || s.Top[0].Clock != ms(1.5) || s.Top[1].Package != "runtime" {
		t.Errorf("SummarizeInit top = %+v", s.Top)
	}
	if s.Total != ms(1.61) {
		t.Errorf("SummarizeInit total = %v, want the median per-run sum 1.61ms", s.Total)
	}
}

func TestInitCostByModule(t *testing.T) {
	for pkg, want := range map[string]string{
		"encoding/gob": "std",
		"github.com/aws/aws-sdk-go-v2/service/kms/schemas":           "github.com/aws/aws-sdk-go-v2",
		"cloud.google.com/go/monitoring/apiv3/v2/monitoringpb":       "cloud.google.com/go/monitoring",
		"google.golang.org/grpc/internal/transport":                  "google.golang.org/grpc",
		"go.opentelemetry.io/proto/otlp/collector/trace/v1":          "go.opentelemetry.io/proto/otlp",
		"gopkg.in/yaml%2ev3":                                         "gopkg.in/yaml%2ev3",
		"github.com/spacelift-io/spacectl-preflight/internal/config": "github.com/spacelift-io/spacectl-preflight",
	} {
		if got := ModuleOf(pkg); got != want {
			t.Errorf("ModuleOf(%s) = %s, want %s", pkg, got, want)
		}
	}
	run := []InitCost{
		{Package: "github.com/aws/aws-sdk-go-v2/service/kms/schemas", Clock: ms(0.3), Bytes: 300},
		{Package: "github.com/aws/aws-sdk-go-v2/service/sqs/schemas", Clock: ms(0.1), Bytes: 100},
		{Package: "encoding/gob", Clock: ms(0.2), Bytes: 20},
	}
	got := ByModule([][]InitCost{run})
	if len(got) != 2 || got[0].Package != "github.com/aws/aws-sdk-go-v2 (2 packages)" || got[0].Clock != ms(0.4) || got[0].Bytes != 400 {
		t.Errorf("ByModule = %+v", got)
	}
}

func TestWithNeedsIsTransitiveAndOrdered(t *testing.T) {
	list := []CheckInfo{
		{ID: "postgres.connect", Group: "postgres", Enabled: true},
		{ID: "postgres.privileges", Group: "postgres", Enabled: true, Needs: []string{"postgres.connect"}},
		{ID: "storage.connect", Group: "storage"},
		{ID: "queue.builtin", Group: "queue", Enabled: true, Needs: []string{"postgres.privileges"}},
	}
	got := strings.Join(WithNeeds(list, "queue.builtin"), " ")
	if got != "postgres.connect postgres.privileges queue.builtin" {
		t.Errorf("WithNeeds = %s", got)
	}
	if got := strings.Join(OnlyArgs([]string{"a.b", "c.*"}), " "); got != "--only a.b" {
		t.Errorf("OnlyArgs = %s (globs must not be passed through)", got)
	}
	if got := strings.Join(Groups(list), " "); got != "postgres queue" {
		t.Errorf("Groups = %s, want only groups with an enabled check", got)
	}
}

func TestBuildConfig(t *testing.T) {
	env := func(m map[string]string) Env {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	bs := []Backend{
		{Name: "offline", Offline: true, Lines: []string{"SERVER_DOMAIN=spacelift.example.com"}},
		{Name: "pg", Requires: []string{"SPT_PG"}, Lines: []string{"DATABASE_URL=${SPT_PG}"}},
		{Name: "set-up", Lines: []string{"ENCRYPTION_RSA_PRIVATE_KEY=${KEY}"},
			Setup: func(context.Context, Env, *Resources) (map[string]string, error) {
				return map[string]string{"KEY": "k"}, nil
			},
			ProcEnv: []string{"AWS_ENDPOINT_URL_KMS=${KEY}"}},
	}
	c, err := BuildConfig(t.Context(), bs, env(map[string]string{}), false, &Resources{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.ProcEnv, "|") != "AWS_ENDPOINT_URL_KMS=k" {
		t.Errorf("ProcEnv = %q", c.ProcEnv)
	}
	if strings.Join(c.Lines, "|") != "SERVER_DOMAIN=spacelift.example.com|ENCRYPTION_RSA_PRIVATE_KEY=k" ||
		len(c.Skipped) != 1 || !strings.Contains(c.Skipped[0], "SPT_PG not set") {
		t.Errorf("without SPT_PG: lines %q, skipped %q", c.Lines, c.Skipped)
	}
	c, err = BuildConfig(t.Context(), bs, env(map[string]string{"SPT_PG": "postgres://x"}), true, &Resources{})
	if err != nil || strings.Join(c.Lines, "|") != "SERVER_DOMAIN=spacelift.example.com" {
		t.Errorf("offline: %q, %v", c.Lines, err)
	}
	c, err = BuildConfig(t.Context(), bs, env(map[string]string{"SPT_PG": "postgres://x"}), false, &Resources{})
	if err != nil || len(c.Used) != 3 || c.Lines[1] != "DATABASE_URL=postgres://x" {
		t.Errorf("with SPT_PG: %q, %v", c.Lines, err)
	}
	_, err = BuildConfig(t.Context(), []Backend{{Name: "typo", Lines: []string{"A=${SPT_TYPO}"}}}, env(nil), false, &Resources{})
	if err == nil || !strings.Contains(err.Error(), "${SPT_TYPO}") {
		t.Errorf("an unknown ${} must be an error, got %v", err)
	}
}

// The env file must read back through the tool's own loader unchanged,
// including values with characters a dotenv parser treats specially.
func TestProfilesAreComplete(t *testing.T) {
	for _, p := range Profiles() {
		if len(p.Requires) == 0 || p.Missing(func(string) (string, bool) { return "x", true }) != nil {
			t.Errorf("profile %s: requires %v", p.Name, p.Requires)
		}
		if got := p.Missing(func(string) (string, bool) { return "", false }); len(got) != len(p.Requires) {
			t.Errorf("profile %s: missing %v with nothing set", p.Name, got)
		}
		// Every line must expand from harness variables and Setup values
		// only: check the names it references are SPT_ or BENCH_ ones.
		for _, b := range p.Backends {
			for _, l := range append(append([]string(nil), b.Lines...), b.ProcEnv...) {
				for _, ref := range regexp.MustCompile(`\$\{([A-Z0-9_a-z-]+)\}`).FindAllStringSubmatch(l, -1) {
					if !strings.HasPrefix(ref[1], "SPT_") && !strings.HasPrefix(ref[1], "BENCH_") {
						t.Errorf("%s/%s: %q references ${%s}", p.Name, b.Name, l, ref[1])
					}
				}
			}
		}
	}
}

func TestWriteEnvFileLoadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.env")
	want := map[string]string{
		"DATABASE_URL":  "postgres://u:p%23w@127.0.0.1:5432/spt_bench?sslmode=disable&x=1 #not-a-comment",
		"SERVER_DOMAIN": "spacelift.example.com",
	}
	lines := []string{"DATABASE_URL" + "=" + want["DATABASE_URL"], "SERVER_DOMAIN" + "=" + want["SERVER_DOMAIN"]}
	if err := WriteEnvFile(path, lines); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(config.LoadOptions{EnvFiles: []string{path}, Catalog: checks.MustCatalog(cli.Backends())})
	if diags.HasErrors() {
		t.Fatalf("loading: %+v", diags)
	}
	for k, v := range want {
		got := cfg.Get(k)
		if k == "DATABASE_URL" {
			got = cfg.Secret(k).Reveal()
		}
		if got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if err := WriteEnvFile(path, []string{"A=it's"}); err == nil {
		t.Error("a value with a single quote must be refused, not written broken")
	}
}

// The signer must produce AWS's published signature for the get-vanilla
// example of the SigV4 test suite.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestSigV4MatchesAWSTestSuite(t *testing.T) {
	s := sigV4{AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Region: "us-east-1", Service: "service"}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	headers := map[string]string{"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"}
	const prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
	for _, c := range []struct{ name, query, sig string }{
		{"get-vanilla", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "Param1=value1&Param2=value2", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		if got := s.authorization("GET", "/", c.query, headers, emptySHA256, at); got != prefix+c.sig {
			t.Errorf("%s: authorization =\n%s\nwant\n%s", c.name, got, prefix+c.sig)
		}
	}
}

func TestMeasureReportsExitCodeAndRSS(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("no sh on PATH: %v", err)
	}
	m, err := Measure(t.Context(), Command{Path: sh, Args: []string{"-c", "echo out; echo err >&2; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.ExitCode != 3 || string(m.Stdout) != "out\n" || string(m.Stderr) != "err\n" {
		t.Errorf("got exit %d, stdout %q, stderr %q", m.ExitCode, m.Stdout, m.Stderr)
	}
	if m.MaxRSS < 64<<10 || m.Wall <= 0 {
		t.Errorf("MaxRSS %d bytes, wall %v: want a real process's figures", m.MaxRSS, m.Wall)
	}
	if _, err := Measure(t.Context(), Command{Path: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("a binary that cannot start must be an error")
	}
}

// pprofTraces is the shape `go tool pprof -traces` prints for a delay
// profile from `go tool trace -pprof=sync`.
const pprofTraces = `File: t.out
Type: delay
-----------+-------------------------------------------------------
    4.77ms   runtime.selectgo
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).use
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).checkClockSkew
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
-----------+-------------------------------------------------------
       3ms   runtime.selectgo
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).use
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).checkDatabase
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
-----------+-------------------------------------------------------
  197.57us   runtime.selectgo
             google.golang.org/grpc.(*pickerWrapper).pick
             github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry.otlp
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
-----------+-------------------------------------------------------
    1.5ms   runtime.chanrecv1
             github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt.(*attempt).session
             github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt.(*connectCheck).run
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
-----------+-------------------------------------------------------
    7.97ms   runtime.selectgo
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).schedule
             github.com/spacelift-io/spacectl-preflight/internal/checks.Run.func1
-----------+-------------------------------------------------------
    1ms   runtime.selectgo
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).use
             github.com/spacelift-io/spacectl-preflight/internal/checks/postgres.(*session).checkClockSkew
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
-----------+-------------------------------------------------------
    2ms   runtime.chansend1
             github.com/spacelift-io/spacectl-preflight/internal/checks.(*run).execute.func1
`

func TestWaitsFromPprofTraces(t *testing.T) {
	blocks := ParsePprofTraces(pprofTraces)
	if len(blocks) != 7 || blocks[2].Delay != 197570*time.Nanosecond || len(blocks[0].Stack) != 4 {
		t.Fatalf("parsed %d blocks: %+v", len(blocks), blocks)
	}
	shared, own := Shared(CodeWaits(blocks))
	// The runner's own wait for needs (schedule) and the gRPC library's wait
	// are not check code; the two postgres checks share session.use.
	if len(shared) != 2 || shared[0].Check != "postgres.(*session).checkClockSkew" || shared[0].Site != "postgres.(*session).use" ||
		shared[0].Delay != ms(5.77) || shared[1].Check != "postgres.(*session).checkDatabase" {
		t.Errorf("shared = %+v", shared)
	}
	if len(own) != 1 || own[0].Site != "mqtt.(*attempt).session" {
		t.Errorf("own = %+v", own)
	}
	if bs := BySite(shared); len(bs) != 1 || bs[0].Site != "postgres.(*session).use" || bs[0].Delay != ms(8.77) || bs[0].Check != "2 checks" {
		t.Errorf("BySite = %+v", bs)
	}
	all := CheckDelays(blocks)
	if len(all) != 4 || all[0].Check != "postgres.(*session).checkClockSkew" || all[0].Delay != ms(5.77) {
		t.Errorf("CheckDelays = %+v", all)
	}
}
