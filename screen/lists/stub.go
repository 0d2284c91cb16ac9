package lists

import (
	"context"
	"errors"

	"github.com/vigil-hrdd/vigil/screen"
)

var errTodo = errors.New("lists: format not implemented yet")

func LoadEU(ctx context.Context, path string) ([]screen.Entity, error)  { return nil, errTodo }
func LoadCSL(ctx context.Context, path string) ([]screen.Entity, error) { return nil, errTodo }
func LoadDoD(ctx context.Context, path string) ([]screen.Entity, error) { return nil, errTodo }
func LoadFTM(ctx context.Context, path string) ([]screen.Entity, []Edge, error) {
	return nil, nil, errTodo
}

type Edge struct{ From, To, Type, Share string }
