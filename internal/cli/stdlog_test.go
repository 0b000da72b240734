package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// echoAfterResponse is an SQS stand-in that answers the first request
// (GetQueueAttributes: an existing queue) and then sends that request back,
// unasked, on the idle connection. net/http logs "Unsolicited response
// received on idle HTTP channel starting with …" through Go's standard
// logger, quoting those bytes: the request's headers, AWS session token
// included, and closes the connection. Every later request is refused
// (access denied) only once that connection is closed, so the log line is
// written before the check can finish. The transport sometimes hands the
// idle connection to the next request before it looks at the stray bytes,
// and then logs nothing: the test tries again. (No real server misbehaves
// on demand, hence this listener.)
func echoAfterResponse(t *testing.T) (url string, served func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	var conns []net.Conn
	echoed := make(chan struct{}) // closed when the client dropped the echoing connection
	answer := func(status, body string) []byte {
		return []byte(fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n%s", status, len(body), body))
	}
	attrs := answer("200 OK", `{"Attributes":{"QueueArn":"arn:aws:sqs:eu-west-1:123456789012:spacelift-async","VisibilityTimeout":"300",`+
		`"ApproximateNumberOfMessages":"0","ApproximateNumberOfMessagesNotVisible":"0","SqsManagedSseEnabled":"true"}}`)
	denied := answer("400 Bad Request", `{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized"}`)
	var wg sync.WaitGroup
	serve := func(c net.Conn) {
		defer wg.Done()
		defer c.Close()
		br := bufio.NewReader(c)
		echoing := false
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				if echoing {
					close(echoed)
				}
				return
			}
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				dump, _ := httputil.DumpRequest(req, true)
				echoing = true
				_, _ = c.Write(append(attrs, dump...))
				continue
			}
			_, _ = io.Copy(io.Discard, req.Body)
			if !echoing { // else the client reused the echoing connection
				select {
				case <-echoed:
				case <-time.After(10 * time.Second):
				}
			}
			_, _ = c.Write(denied)
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go serve(c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close() // the client keeps its last connection idle
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestLibraryLogsGoThroughTheScrubbingLogger: what net/http logs on its own
// (with an AWS session token in it) never reaches stderr unstructured or
// unscrubbed: with -v it is one JSON record with the token redacted,
// without -v and with -q it is not printed at all; and Main puts the
// standard logger back as it found it.
func TestLibraryLogsGoThroughTheScrubbingLogger(t *testing.T) {
	const token = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENnever-to-be-printed-9f3e2a"
	msgtest.IsolateAWS(t)
	env := filepath.Join(t.TempDir(), "sqs.env")
	body := "MESSAGE_QUEUE_TYPE=sqs\nMESSAGE_QUEUE_SQS_ASYNC_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/spacelift-async\n" +
		"AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIDPREFLIGHTTEST\nAWS_SECRET_ACCESS_KEY=sqs-secret-key-never-printed\nAWS_SESSION_TOKEN=" + token + "\n"
	if err := os.WriteFile(env, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// The process's stderr, as far as the standard logger knows.
	var procErr bytes.Buffer
	saved := log.Writer()
	log.SetOutput(&procErr)
	defer log.SetOutput(saved)

	// attempt runs the check once against a fresh listener, asserts what
	// must hold in any case, and returns stderr.
	attempt := func(t *testing.T, mode string) string {
		procErr.Reset()
		url, served := echoAfterResponse(t)
		t.Setenv("AWS_ENDPOINT_URL_SQS", url)
		args := []string{"check", "--env-file", env, "--only", "queue.sqs.async", "-o", "json"}
		if mode != "" {
			args = append(args, mode)
		}
		code, out, errOut := run(t, nil, args...)
		if served() < 2 {
			t.Fatalf("the listener answered %d requests, want GetQueueAttributes and the probe", served())
		}
		if code != ExitChecksFailed || statusOf(t, out, "queue.sqs.async") != "fail" {
			t.Errorf("exit %d, want 1 (the probe is denied)\n%s", code, out)
		}
		if log.Writer() != &procErr {
			t.Error("Main did not restore the standard logger")
		}
		if procErr.Len() > 0 {
			t.Errorf("net/http's log went around the scrubbing logger, to the process's stderr:\n%s", procErr.String())
		}
		for _, text := range []string{out, errOut, procErr.String()} {
			if strings.Contains(text, token) || strings.Contains(text, "sqs-secret-key-never-printed") {
				t.Fatalf("a secret leaked:\n%s", text)
			}
		}
		return errOut
	}

	t.Run("verbose", func(t *testing.T) {
		for try := 1; ; try++ {
			errOut := attempt(t, "-v")
			unsolicited := false
			for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("an unstructured line on stderr: %q", line)
				}
				if msg, _ := rec["msg"].(string); strings.Contains(msg, "Unsolicited response received on idle HTTP channel") {
					unsolicited = true
					if rec["logger"] != "go" || rec["level"] != "WARN" || !strings.Contains(msg, "X-Amz-Security-Token: "+secret.Redacted) {
						t.Errorf("the net/http record: %v", rec)
					}
				}
			}
			if unsolicited {
				return
			}
			if try == 10 {
				t.Fatalf("net/http never logged its message into the debug log in %d tries:\n%s", try, errOut)
			}
		}
	})
	for _, mode := range []string{"", "-q"} {
		t.Run("mode="+mode, func(t *testing.T) {
			// Only the final result and errors: with -o json the result
			// is on stdout, and a failed check prints nothing more. A try
			// in which net/http logged nothing proves little, so three.
			for range 3 {
				if errOut := attempt(t, mode); errOut != "" {
					t.Fatalf("stderr should be empty, got:\n%s", errOut)
				}
			}
		})
	}
}
