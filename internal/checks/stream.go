package checks

import (
	"context"
	"iter"
)

// Tenant-wide work (100 000 users) does not fit memoised facts: the adapters
// stream pages, and a join holds only one side, keyed by what it joins on,
// while the other side streams past.

// Index reads a page stream into a map holding, for each item, only the
// key and the small value project keeps (a set when V is struct{}). Items
// project rejects are dropped. progress, if set, is called after each page
// with the number of items read so far.
func Index[K comparable, V, T any](ctx context.Context, pages iter.Seq2[[]T, error], project func(T) (K, V, bool), progress func(read int)) (map[K]V, error) {
	out := map[K]V{}
	read := 0
	for page, err := range pages {
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, item := range page {
			if k, v, ok := project(item); ok {
				out[k] = v
			}
		}
		read += len(page)
		if progress != nil {
			progress(read)
		}
	}
	return out, ctx.Err()
}

// Join streams pages past an index: fn sees each item with the indexed
// value of its key, and whether there was one. It stops at the first error
// (the stream's, the context's, or fn's).
func Join[K comparable, V, T any](ctx context.Context, index map[K]V, pages iter.Seq2[[]T, error], key func(T) K, fn func(item T, v V, found bool) error, progress func(read int)) error {
	read := 0
	for page, err := range pages {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, item := range page {
			v, ok := index[key(item)]
			if err := fn(item, v, ok); err != nil {
				return err
			}
		}
		read += len(page)
		if progress != nil {
			progress(read)
		}
	}
	return ctx.Err()
}
