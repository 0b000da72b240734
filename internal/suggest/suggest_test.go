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
	if Distance("kitten", "sitting") != 3 || Distance("", "abc") != 3 {
		t.Error("Distance is wrong")
	}
}
