package lab

import (
	"sort"
	"strings"
)

// AddEntraUser adds a user to the lab's tenant, as if created in Entra
// while a client pages (the lab serves no POST /users).
func AddEntraUser(l *Lab, id, upn string) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	st := l.state
	u := &entraUser{ID: id, UserPrincipalName: upn, DisplayName: upn, AccountEnabled: true, BusinessPhones: []string{},
		ProxyAddresses: []string{}, AssignedLicenses: []assignedLicense{}, LicenseAssignmentStates: []licenseState{}}
	i := sort.Search(len(st.entraUsers), func(i int) bool { return st.entraUsers[i].ID >= id })
	st.entraUsers = append(st.entraUsers[:i], append([]*entraUser{u}, st.entraUsers[i:]...)...)
	st.entraByID[id] = u
	st.entraByUPN[strings.ToLower(upn)] = u
}

// DeleteEntraUser removes a user from the lab's tenant (the lab serves no
// DELETE /users/{id}).
func DeleteEntraUser(l *Lab, id string) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	st := l.state
	u := st.entraByID[id]
	if u == nil {
		return
	}
	i := sort.Search(len(st.entraUsers), func(i int) bool { return st.entraUsers[i].ID >= id })
	st.entraUsers = append(st.entraUsers[:i], st.entraUsers[i+1:]...)
	delete(st.entraByID, id)
	delete(st.entraByUPN, strings.ToLower(u.UserPrincipalName))
}
