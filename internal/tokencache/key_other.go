//go:build !linux

package tokencache

import "errors"

// osKey: only Linux's kernel keyring is used so far.
func osKey() ([]byte, error) {
	return nil, errors.New("no operating-system key store is used on this system yet (Linux's kernel keyring is)")
}

func forgetKey() error { return nil }
