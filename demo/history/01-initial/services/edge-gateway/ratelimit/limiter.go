// Package ratelimit implements a token bucket for the edge gateway.
package ratelimit

import (
	"sync"
	"time"
)

type Limiter struct {
	mu     sync.Mutex
	perSec int
	tokens float64
	last   time.Time
}

func New(perSec int) *Limiter {
	return &Limiter{perSec: perSec, tokens: float64(perSec), last: time.Now()}
}

func (l *Limiter) Allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
