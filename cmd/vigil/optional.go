package main

import "github.com/spf13/cobra"

// addOptionalCommands adds the commands of the screening and proof-log
// packages.
func addOptionalCommands(root *cobra.Command) {
}
