package configcheck

// ServiceTableVars lists every variable the service table names.
func ServiceTableVars() []string {
	var out []string
	for _, u := range serviceUses() {
		out = append(out, u.vars...)
	}
	return out
}
