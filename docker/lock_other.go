//go:build !unix

package docker

import "context"

// lockFile is a no-op where flock(2) does not exist: concurrent test
// processes may then build the same image twice, which is only slower.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
