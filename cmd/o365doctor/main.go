// Command o365doctor finds out why someone cannot sign in to Microsoft 365
// federated with Okta, and fixes it with one key.
package main

import (
	"os"

	"github.com/o365doctor/o365doctor/internal/cli"
)

func main() { os.Exit(cli.Main()) }
