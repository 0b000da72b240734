package config

import (
	"fmt"
	"slices"
	"strings"
)

// Input is one input the configuration was read from, with the variables
// it set itself. The merged view keeps each variable's last value; Inputs
// keep what every input held, so a check can tell which of Spacelift's
// services receives a variable (each service gets its own Secrets).
type Input struct {
	Kind SourceKind
	File string
	// Object is the Kubernetes object ("Secret spacelift-server"): a file
	// of several Secrets is one Input per Secret.
	Object string
	// Service is the service --service gave the file for ("shared",
	// "server", "drain", "scheduler"); "" when no flag said.
	Service string
	// Vars are the variables it set to a non-empty value, and where.
	Vars map[string]Source
}

// SecretName is the name of the Kubernetes Secret the input is, or "".
func (in Input) SecretName() string {
	name, _ := strings.CutPrefix(in.Object, "Secret ")
	if name == in.Object {
		return ""
	}
	return name
}

// Label names the input for people: FILE, or FILE (Secret NAME).
func (in Input) Label() string {
	label := in.File
	if label == "" {
		label = string(in.Kind)
	}
	if in.Object != "" {
		label += " (" + in.Object + ")"
	}
	return label
}

// ServiceNames are the values --service SERVICE=FILE accepts: one of
// Spacelift's services, or shared for what all of them get.
func ServiceNames() []string { return []string{"shared", "server", "drain", "scheduler"} }

// ServiceFile is one --service SERVICE=FILE: an env file or a Kubernetes
// Secret manifest that only that service receives.
type ServiceFile struct {
	Service string
	Path    string
}

// ParseServiceFile reads SERVICE=FILE.
func ParseServiceFile(s string) (ServiceFile, error) {
	service, path, ok := strings.Cut(s, "=")
	switch {
	case !ok || path == "":
		return ServiceFile{}, fmt.Errorf("%q is not SERVICE=FILE (e.g. server=server.env)", s)
	case !slices.Contains(ServiceNames(), service):
		return ServiceFile{}, fmt.Errorf("unknown service %q in %q (want one of: %s)", service, s, strings.Join(ServiceNames(), ", "))
	}
	return ServiceFile{Service: service, Path: path}, nil
}

// isManifest says whether a --service file is read as Kubernetes
// manifests (by its extension) rather than as an env file.
func (f ServiceFile) isManifest() bool {
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(strings.ToLower(f.Path), ext) {
			return true
		}
	}
	return false
}

// Inputs returns every input that set a variable, in the order read.
func (c *Config) Inputs() []Input {
	out := make([]Input, len(c.inputs))
	for i, in := range c.inputs {
		out[i] = in
		out[i].Vars = make(map[string]Source, len(in.Vars))
		for k, v := range in.Vars {
			out[i].Vars[k] = v
		}
	}
	return out
}

// note records that the input src belongs to set name.
func (c *Config) note(name, text string, src Source) {
	if text == "" {
		return
	}
	key := string(src.Kind) + "\x00" + src.File + "\x00" + src.Object
	i, ok := c.inputIdx[key]
	if !ok {
		if c.inputIdx == nil {
			c.inputIdx = map[string]int{}
		}
		i = len(c.inputs)
		c.inputIdx[key] = i
		in := Input{Kind: src.Kind, File: src.File, Object: src.Object, Vars: map[string]Source{}}
		if src.File != "" && (src.Kind == FromEnvFile || src.Kind == FromK8s) {
			in.Service = c.serviceOf[src.File]
		}
		c.inputs = append(c.inputs, in)
	}
	c.inputs[i].Vars[name] = src
}
