package service

import (
	"context"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// People is the list of people the APIs show (REST people/, XML-RPC
// person_list): those who sent a patch, a cover or a comment, and those
// linked to a user, never a bare account.
func (s *Service) People(ctx context.Context, q store.PersonQuery) ([]store.Person, error) {
	q.Listed = true
	ps, err := s.st.ListPeople(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return ps, nil
}
