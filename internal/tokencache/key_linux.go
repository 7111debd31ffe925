package tokencache

import (
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// osKey is the cache's key in the user keyring, made on first use.
func osKey() ([]byte, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyName, 0)
	if err != nil {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if id, err = unix.AddKey("user", keyName, key, unix.KEY_SPEC_USER_KEYRING); err != nil {
			return nil, fmt.Errorf("the kernel keyring refused a key (%v)", err)
		}
		return key, nil
	}
	buf := make([]byte, 64)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil || n != 32 {
		return nil, errors.New("the cache's key in the kernel keyring cannot be read")
	}
	return buf[:32], nil
}

// forgetKey removes the key (tests; o365doctor never needs to).
func forgetKey() error {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyName, 0)
	if err != nil {
		return nil
	}
	_, err = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0)
	return err
}
