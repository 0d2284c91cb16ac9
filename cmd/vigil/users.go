package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	vhttp "github.com/vigil-hrdd/vigil/http"
	"golang.org/x/term"
)

func newUsersCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the people who work in Vigil and their roles",
		Long: `Roles: admin (everything), analyst and reviewer (read, edit the portfolio),
approver (read; approves decisions), auditor (reads everything, changes nothing).`,
	}
	var name, email, role string
	add := &cobra.Command{
		Use:     "add ID",
		Short:   "Add a user",
		Example: `  vigil users add amira --name "Amira K." --role analyst --email amira@example.org`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				u := &vigil.User{ID: args[0], Name: name, Email: email, Role: vigil.Role(role)}
				if u.Name == "" {
					u.Name = u.ID
				}
				if err := s.CreateUser(ctx, u, actor()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "user %s added with role %s; create a token with: vigil tokens create --user %s\n", u.ID, u.Role, u.ID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&email, "email", "", "e-mail address")
	add.Flags().StringVar(&role, "role", "analyst", "admin, analyst, reviewer, approver or auditor")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List users",
		Example: `  vigil users list -o json`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				users, err := s.ListUsers(ctx)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", users)
				}
				header := []string{"id", "name", "email", "role", "disabled", "created_at"}
				var rows [][]string
				for _, u := range users {
					rows = append(rows, []string{u.ID, u.Name, u.Email, string(u.Role), fmt.Sprint(u.Disabled), u.CreatedAt.Format(time.RFC3339)})
				}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				return printTable(cmd.OutOrStdout(), header, rows)
			})
		},
	}
	cmd.AddCommand(add, list, newUsersPasswordCmd(g))
	return cmd
}

// newUsersPasswordCmd sets the password a user signs in to the web UI
// with. The password is read from a terminal prompt (twice) or, when
// stdin is not a terminal, from its first line, so scripts can pipe it in
// without it appearing in the process list or the shell history.
func newUsersPasswordCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "password ID",
		Short: "Set a user's web UI password (prompted, or read from stdin)",
		Long: fmt.Sprintf(`Set the password USER signs in to the web UI with. At least %d characters.
A new password ends the user's open web sessions and lifts a lock-out.`, vhttp.MinPasswordLength),
		Example: `  vigil users password amira
  printf '%s\n' "$NEW_PASSWORD" | vigil users password amira`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readNewPassword(cmd)
			if err != nil {
				return err
			}
			if err := vhttp.CheckPasswordPolicy(pw); err != nil {
				return err
			}
			hash, err := vhttp.HashPassword(pw)
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				ws, ok := s.(vigil.WebStore)
				if !ok {
					return fmt.Errorf("the store %T keeps no web passwords", s)
				}
				if err := ws.SetPassword(ctx, args[0], hash, actor()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s set; sign in at /ui/login\n", args[0])
				return nil
			})
		},
	}
}

func readNewPassword(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", usagef("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newTokensCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Create and revoke API tokens",
	}
	var userID, name string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token; its secret is printed once",
		Example: `  vigil tokens create --user amira --name laptop --expires 2160h
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/parties`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if userID == "" {
				return usagef("--user is required")
			}
			return g.withStore(cmd, func(_ context.Context, s vigil.Store) error {
				secret, tok, err := createToken(cmd, s, userID, name, expires)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "token %s for %s (shown once, store it now):\n%s\n", tok.ID, userID, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&userID, "user", "", "user id the token acts as")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	create.Flags().DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h; 0 for no expiry")
	revoke := &cobra.Command{
		Use:     "revoke TOKEN_ID",
		Short:   "Revoke a token",
		Example: `  vigil tokens revoke 01JD8Z...`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				if err := s.RevokeToken(ctx, args[0], actor()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(create, revoke)
	return cmd
}

func createToken(cmd *cobra.Command, s vigil.Store, userID, name string, expires time.Duration) (string, *vigil.Token, error) {
	secret, hash := vigil.NewTokenSecret()
	tok := &vigil.Token{UserID: userID, Name: name, Hash: hash}
	if expires > 0 {
		at := time.Now().Add(expires)
		tok.ExpiresAt = &at
	}
	if err := s.CreateToken(cmd.Context(), tok, actor()); err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}
