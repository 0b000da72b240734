package configcheck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// IDServices is the check of what each service receives.
const IDServices = "config.services"

// officialSecrets maps the Secret names of the official modules and chart
// to the services that receive them.
func officialSecrets() map[string]string {
	return map[string]string{"spacelift-shared": "shared", "spacelift-server": svcServer, "spacelift-drain": svcDrain}
}

// serviceOf is the service an input is for: --service, else the official
// Secret name; "" when neither says.
func serviceOf(in config.Input) string {
	if in.Service != "" {
		return in.Service
	}
	return officialSecrets()[in.SecretName()]
}

// receivers are the services that get an input: shared (and an input
// nothing attributes) reaches all three.
func receivers(in config.Input) []string {
	switch s := serviceOf(in); s {
	case svcServer, svcDrain, svcScheduler:
		return []string{s}
	}
	return allServices()
}

// servicesDisabled says why config.services does not run: no input is
// given for one service, and no Helm values file.
func servicesDisabled(cfg *config.Config) string {
	if cfg.Helm != nil {
		return ""
	}
	for _, in := range cfg.Inputs() {
		if s := serviceOf(in); s != "" && s != "shared" {
			return ""
		}
	}
	return "no input is given for one service (a Secret named spacelift-server or spacelift-drain, or --service SERVICE=FILE) and no --helm-values file"
}

// Services reports each variable a service reads but does not receive,
// from the inputs given per service, and compares the Helm values file
// with the variables.
func Services(bs []checks.Backend, cfg *config.Config) checks.Result {
	var v checks.Verdict
	if slices.ContainsFunc(cfg.Inputs(), func(in config.Input) bool { s := serviceOf(in); return s != "" && s != "shared" }) {
		placement(bs, cfg, &v)
	}
	if cfg.Helm != nil {
		helmHostname(cfg, &v)
		helmBodySize(cfg, &v)
	}
	return v.Result("every service receives the variables it reads")
}

// placement is the per-service part.
func placement(bs []checks.Backend, cfg *config.Config, v *checks.Verdict) {
	inputs := cfg.Inputs()
	// Which inputs each service gets, and whether any is its own.
	got := map[string][]string{}
	own := map[string]bool{}
	// Where each variable is set, and which services receive it.
	where := map[string][]string{}
	reach := map[string]map[string]bool{}
	for _, in := range inputs {
		rs := receivers(in)
		for _, s := range rs {
			got[s] = append(got[s], in.Label())
		}
		if len(rs) == 1 {
			own[rs[0]] = true
		}
		for name := range in.Vars {
			where[name] = append(where[name], in.Label()+receivedBy(in))
			if reach[name] == nil {
				reach[name] = map[string]bool{}
			}
			for _, s := range rs {
				reach[name][s] = true
			}
		}
	}
	for _, s := range allServices() {
		v.Detail(s+" receives", strings.Join(got[s], ", "))
	}
	required := map[string]bool{}
	for _, r := range checks.Requirements(bs, cfg) {
		required[r.Var] = !r.Warn
	}
	uses := usesOf()
	names := make([]string, 0, len(reach))
	for n := range reach {
		names = append(names, n)
	}
	sort.Strings(names)
	problems := 0
	for _, name := range names {
		for _, s := range allServices() {
			firm, reads := uses[name][s]
			if !reads || reach[name][s] {
				continue
			}
			problems++
			missing(name, s, firm && required[name], own[s] || s == svcScheduler, where[name], v)
		}
	}
	if problems == 0 {
		v.Pass("services", "the server, the drain and the scheduler each receive every variable they read")
	}
}

// receivedBy says who gets an input, for the evidence.
func receivedBy(in config.Input) string {
	switch s := serviceOf(in); s {
	case svcServer, svcDrain, svcScheduler:
		return " (" + s + " only)"
	case "shared":
		return " (every service)"
	}
	return " (not attributed: every service)"
}

// missing records that service s reads name but receives no input that
// sets it.
func missing(name, s string, fail, complete bool, where []string, v *checks.Verdict) {
	advice := fmt.Sprintf("Put %s in the shared Secret (spacelift-shared, which every service receives), or also in the %s's own Secret.", name, s)
	if s == svcScheduler {
		advice = fmt.Sprintf("Put %s in the shared Secret (spacelift-shared): the Helm chart gives the scheduler no Secret of its own.", name)
	}
	msg := fmt.Sprintf("the %s reads it but does not receive it: it is set only in %s", s, strings.Join(where, ", "))
	st := checks.Step{Name: name, Status: checks.Warn, Message: msg, Advice: advice,
		Evidence: checks.Details{checks.KV("service", s)}}
	switch {
	case !complete:
		st.Message += fmt.Sprintf("; no input of the %s's own was given", s)
		st.Advice += fmt.Sprintf(" If the %s has a Secret of its own that sets it, pass it too (--k8s-secret with Secret spacelift-%s, or --service %s=FILE).", s, s, s)
	case fail:
		st.Status = checks.Fail
	}
	v.Add(st)
}

// helmHostname compares the chart's shared.serverHostname, which only
// its Ingress uses, with SERVER_DOMAIN, which Spacelift builds its URLs
// from: both must name the one host.
func helmHostname(cfg *config.Config, v *checks.Verdict) {
	const key = "shared.serverHostname"
	h, ok := cfg.Helm.Lookup(key)
	v.Detail("helm values", cfg.Helm.File)
	domain := cfg.Get(ServerDomain)
	switch {
	case !ok:
		v.Warn(key, fmt.Sprintf("Set shared.serverHostname: %s in the values file (the chart's Ingress needs it when ingress is enabled).", orPlaceholder(domain)),
			"not set in %s", cfg.Helm.File)
		return
	case strings.Contains(h.Value, "://") || strings.ContainsAny(h.Value, ":/ "):
		v.Add(checks.Step{Name: key, Status: checks.Fail, Message: fmt.Sprintf("%q is not a bare hostname (the chart wants no protocol, port or path)", h.Value),
			Advice: fmt.Sprintf("Set shared.serverHostname: %s.", orPlaceholder(domain)), Evidence: checks.Details{checks.KV("set at", h.Pos.String())}})
	case domain == "":
		v.Detail(key, h.Value+" (SERVER_DOMAIN is not set: config.required reports it)")
	case !strings.EqualFold(strings.TrimSuffix(h.Value, "."), domain):
		src, _ := cfg.Source(ServerDomain)
		v.Add(checks.Step{Name: key, Status: checks.Fail,
			Message:  fmt.Sprintf("is %q, but SERVER_DOMAIN is %q: the Ingress serves one host while Spacelift builds its URLs (OAuth callbacks, webhooks, links) from the other", h.Value, domain),
			Advice:   fmt.Sprintf("Set shared.serverHostname: %s, or correct SERVER_DOMAIN; the official modules set both from one variable.", domain),
			Evidence: checks.Details{checks.KV("set at", h.Pos.String()), checks.KV("SERVER_DOMAIN set at", src.String())}})
	default:
		v.Pass(key, "equals SERVER_DOMAIN (%s)", domain)
	}
}

// helmBodySize warns when the values override the chart's
// nginx.ingress.kubernetes.io/proxy-body-size "0" on an enabled Ingress:
// ingress-nginx then refuses larger request bodies with 413
// (spacelift-helm-charts #96 set "0"; server.health proves it after
// installation). A null override, which drops the annotation, is not seen:
// the values reader keeps scalars only.
func helmBodySize(cfg *config.Config, v *checks.Verdict) {
	for _, ing := range []string{"ingress", "ingressV6"} {
		if on, ok := cfg.Helm.Lookup(ing + ".enabled"); ok && on.Value == "false" {
			continue
		}
		key := ing + ".annotations.nginx.ingress.kubernetes.io/proxy-body-size"
		a, ok := cfg.Helm.Lookup(key)
		if !ok || a.Value == "0" {
			continue
		}
		v.Add(checks.Step{Name: key, Status: checks.Warn,
			Message:  fmt.Sprintf("is %q: ingress-nginx refuses request bodies larger than that with 413, where the chart sets \"0\" (no limit)", a.Value),
			Advice:   "Remove the override so the chart's \"0\" applies, or set it to \"0\".",
			Evidence: checks.Details{checks.KV("set at", a.Pos.String())}})
	}
}

func orPlaceholder(domain string) string {
	if domain == "" {
		return "SERVER_DOMAIN's value"
	}
	return domain
}
