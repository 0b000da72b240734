package suggest

import "testing"

func TestClosest(t *testing.T) {
	ids := []string{"postgres.version", "postgres.connect", "storage.cors"}
	cases := map[string]string{"postgres.vesion": "postgres.version", "POSTGRES.CONNECT": "postgres.connect", "mqtt.connect": ""}
	for in, want := range cases {
		if got := Closest(in, ids, 3); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"abc", "", 3},
		{"same", "same", 0},
		// A swap of two adjacent characters is one edit, not two.
		{"AWS_REGOIN", "AWS_REGION", 1},
		{"ab", "ba", 1},
		{"DATABSE_URL", "DATABASE_URL", 1},
		// Optimal string alignment: no substring is edited twice.
		{"CA", "ABC", 3},
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
