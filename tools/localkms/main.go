// Command local-kms-loopback serves nsmithuk/local-kms on a loopback address.
//
// The stock local-kms binary always listens on 0.0.0.0. This wrapper binds
// the address given with -addr (default 127.0.0.1:0, a random loopback port)
// and prints "local-kms listening on http://<addr>" on stdout once it accepts
// connections, so a start script can read the endpoint from its log.
//
// It lives in its own Go module so that local-kms and its dependencies stay
// out of the product's go.mod. It is a test tool only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	kms "github.com/nsmithuk/local-kms/src"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (keep it on loopback)")
	region := flag.String("region", "eu-west-2", "AWS region reported in key ARNs")
	account := flag.String("account", "111122223333", "AWS account id reported in key ARNs")
	dataDir := flag.String("data", "", "LevelDB data directory (required; use a fresh one per run)")
	flag.Parse()

	if *dataDir == "" {
		log.Fatal("local-kms-loopback: -data is required")
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		log.Fatalf("local-kms-loopback: %v", err)
	}
	config.AWSRegion = *region
	config.AWSAccountId = *account
	config.DatabasePath = abs

	db := data.NewDatabase(abs)
	defer db.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("local-kms-loopback: listen %s: %v", *addr, err)
	}

	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			kms.HandleRequest(w, r, db)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()

	fmt.Printf("local-kms listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Printf("local-kms-loopback: %v", err)
		db.Close()
		os.Exit(1)
	}
}
