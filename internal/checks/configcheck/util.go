package configcheck

import (
	"fmt"
	"strings"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func joinLines(xs []string) string { return strings.Join(xs, "\n") }
