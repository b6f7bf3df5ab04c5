//go:build !unix

package symbols

import (
	"errors"
	"os"
)

func mapFile(*os.File) ([]byte, error) {
	return nil, errors.New("memory mapping is not supported here")
}

func unmapFile([]byte) error { return nil }

func dropPages([]byte) {}
