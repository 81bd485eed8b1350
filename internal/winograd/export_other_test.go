//go:build !amd64

package winograd

func setAsm(bool) bool { return false }

func restoreAsm(bool) {}
