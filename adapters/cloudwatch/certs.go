package cloudwatch

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Bounds of certificate fetching. SNS signs with one certificate per
// region at a time, so a handful of entries covers every topic; the bound
// only stops a flood of distinct (allowed) URLs from growing memory.
const (
	certCacheSize = 32
	fetchTimeout  = 10 * time.Second
	maxCertBytes  = 64 << 10
)

// certCache fetches signing certificates once per URL and keeps the
// successes, at most size of them (the oldest go first). Concurrent first
// uses of a URL share one fetch. Failures are not kept, so the next
// delivery tries again.
type certCache struct {
	client *http.Client
	size   int
	mu     sync.Mutex
	certs  map[string]*certEntry
	order  []string // insertion order, for eviction
}

// certEntry is a fetched or in-flight certificate; ready is closed once
// cert or err is set.
type certEntry struct {
	ready chan struct{}
	cert  *x509.Certificate
	err   error
}

func newCertCache(client *http.Client, size int) *certCache {
	return &certCache{client: client, size: size, certs: make(map[string]*certEntry)}
}

// get returns the certificate at u and whether it came from the cache.
func (c *certCache) get(ctx context.Context, u string) (*x509.Certificate, bool, error) {
	c.mu.Lock()
	e, ok := c.certs[u]
	if !ok {
		e = &certEntry{ready: make(chan struct{})}
		c.certs[u] = e
		c.order = append(c.order, u)
		c.evict()
	}
	c.mu.Unlock()
	if !ok {
		// The fetch outlives a caller that gives up: others may wait on it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		e.cert, e.err = c.fetch(fctx, u)
		cancel()
		if e.err != nil {
			c.drop(u, e)
		}
		close(e.ready)
		return e.cert, false, e.err
	}
	select {
	case <-e.ready:
		return e.cert, e.err == nil, e.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// forget drops cert from the cache, if it is still what u maps to.
func (c *certCache) forget(u string, cert *x509.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.certs[u]; ok && e.cert == cert {
		c.remove(u)
	}
}

func (c *certCache) drop(u string, e *certEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.certs[u] == e {
		c.remove(u)
	}
}

// evict keeps at most size entries; c.mu is held.
func (c *certCache) evict() {
	for len(c.order) > c.size {
		delete(c.certs, c.order[0])
		c.order = c.order[1:]
	}
}

// remove deletes u; c.mu is held.
func (c *certCache) remove(u string) {
	delete(c.certs, u)
	for i, k := range c.order {
		if k == u {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

// len is the number of cached and in-flight certificates.
func (c *certCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.certs)
}

// fetch downloads and parses the PEM certificate at u.
func (c *certCache) fetch(ctx context.Context, u string) (*x509.Certificate, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch certificate: %w", err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch certificate: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch certificate: status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCertBytes))
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return nil, errors.New("no PEM certificate in response")
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse certificate: %w", err)
			}
			return cert, nil
		}
	}
}
