package worker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// parseChallenge reads a WWW-Authenticate header: its scheme (Bearer,
// Basic) and its parameters (realm, service, scope), as the Docker
// Registry token authentication specification writes them.
func parseChallenge(h string) (string, map[string]string) {
	h = strings.TrimSpace(h)
	scheme, rest, _ := strings.Cut(h, " ")
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				val, rest = after[1:], ""
			} else {
				val, rest = after[1:1+end], after[2+end:]
			}
		} else {
			val, rest, _ = strings.Cut(after, ",")
		}
		params[key] = strings.TrimSpace(val)
		rest = strings.TrimPrefix(strings.TrimSpace(rest), ",")
	}
	return strings.ToLower(scheme), params
}

// authorize answers a 401 the way a pull does: for a Bearer challenge it
// asks the token service named in the challenge for a pull token
// (anonymously, or with the Docker config's credentials); for Basic it
// sends the credentials. It sets hdr's Authorization and returns which
// identity it used, or false after recording why it could not.
func (rc *registryClient) authorize(ctx context.Context, v *checks.Verdict, name string, img image, challenge string, hdr http.Header) (string, bool) {
	scheme, params := parseChallenge(challenge)
	creds, hasCreds := rc.dc.auth(rc.registry)
	identity := "anonymous"
	if hasCreds {
		identity = "as " + creds.user + " from " + rc.dc.path
		if creds.user == "" {
			identity = "with the identity token from " + rc.dc.path
		}
	}
	switch scheme {
	case "basic":
		if !hasCreds || creds.user == "" {
			rc.noCredentials(v, name, img, "the registry asks for a user name and password (Basic)")
			return "", false
		}
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds.user+":"+creds.password.Reveal())))
		return identity, true
	case "bearer":
		tok, ok := rc.token(ctx, v, name, img, params, creds, hasCreds)
		if !ok {
			return "", false
		}
		hdr.Set("Authorization", "Bearer "+tok.Reveal())
		return identity + " (token from " + params["realm"] + ")", true
	}
	v.Fail(name, "Check the registry: a pull authenticates with Bearer tokens or Basic credentials.", "%s %s: the registry answered 401 with the challenge scheme %q, which Docker does not use", img.what, img.ref, scheme)
	return "", false
}

// token fetches a pull token from the challenge's realm.
func (rc *registryClient) token(ctx context.Context, v *checks.Verdict, name string, img image, params map[string]string, creds registryAuth, hasCreds bool) (secret.Secret, bool) {
	scope := "repository:" + img.ref.repository + ":pull"
	key := params["service"] + " " + scope
	if t, ok := rc.tokens[key]; ok {
		return t, true
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || (realm.Scheme != "https" && realm.Scheme != "http") || realm.Host == "" {
		v.Fail(name, "Check the registry's token authentication settings (its realm).", "%s %s: the registry's token challenge names no usable realm URL", img.what, img.ref)
		return secret.Secret{}, false
	}
	q := realm.Query()
	if s := params["service"]; s != "" {
		q.Set("service", s)
	}
	q.Set("scope", scope)
	realm.RawQuery = q.Encode()
	hdr := http.Header{}
	// Credentials go only where they are safe: over TLS, or to the
	// registry's own host (which already sees them in plain HTTP).
	if hasCreds && creds.user != "" && (realm.Scheme == "https" || strings.EqualFold(realm.Hostname(), rc.base.Hostname())) {
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds.user+":"+creds.password.Reveal())))
	}
	a, err := rc.w.do(ctx, http.MethodGet, realm.String(), hdr)
	if err != nil {
		msg, advice := rc.w.failure(realm, err, ctx.Err() != nil, "the registry's token service")
		v.Fail(name, advice, "token service: %s", msg)
		return secret.Secret{}, false
	}
	switch {
	case (a.status == http.StatusUnauthorized || a.status == http.StatusForbidden) && hdr.Get("Authorization") == "":
		rc.noCredentials(v, name, img, "the token service "+realm.Host+" refuses anonymous pull tokens ("+a.text+")")
		return secret.Secret{}, false
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		v.Fail(name, rc.credentialAdvice(), "%s %s: the token service %s rejects the credentials of %s (%s)", img.what, img.ref, realm.Host, rc.dc.path, a.text)
		return secret.Secret{}, false
	case a.status != http.StatusOK:
		v.Fail(name, "Check the registry's token service.", "%s %s: the token service %s answered %s", img.what, img.ref, realm.Host, a.text)
		return secret.Secret{}, false
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(a.body, &body) != nil || (body.Token == "" && body.AccessToken == "") {
		v.Fail(name, "Check the registry's token service.", "%s %s: the token service %s answered without a token", img.what, img.ref, realm.Host)
		return secret.Secret{}, false
	}
	t := body.Token
	if t == "" {
		t = body.AccessToken
	}
	if rc.tokens == nil {
		rc.tokens = map[string]secret.Secret{}
	}
	rc.tokens[key] = secret.New(t)
	return rc.tokens[key], true
}

// noCredentials reports a registry that wants credentials when none are
// configured. A Docker worker's launcher finds registry credentials in its
// Docker config, so without them its runs would fail; a credential helper
// this check does not run, or a Kubernetes worker's kubelet (the node's
// identity, an imagePullSecret), may hold them where it cannot see, so
// then it only warns.
func (rc *registryClient) noCredentials(v *checks.Verdict, name string, img image, what string) {
	if h := rc.dc.helper(rc.registry); h != "" {
		v.Warn(name, "Check the pull with `docker pull` as the launcher's user: this check reads only the auths of config.json, not credential helpers.",
			"%s %s: %s; the Docker config leaves the credentials to the credential helper %q, which this check does not run, so the pull is not verified", img.what, img.ref, what, h)
		return
	}
	if rc.kube {
		v.Warn(name, "Make sure the pods can pull it: the node's registry identity (e.g. ECR permissions of the node role) or an imagePullSecret; this check saw neither.",
			"%s %s: %s; none is configured here, so the pull is not verified", img.what, img.ref, what)
		return
	}
	v.Fail(name, rc.credentialAdvice(), "%s %s: %s and none is configured for %s", img.what, img.ref, what, rc.registry)
}
