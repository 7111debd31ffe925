package realm

import (
	"fmt"
	"net/url"
	"strings"
)

// cloud is one Microsoft cloud: the cloud_instance_name its discovery
// endpoints report and the login hosts that serve it. The names and hosts
// are Microsoft's national-cloud list (learn.microsoft.com
// "National clouds", MSAL's instance discovery aliases); a value not in it
// stays unnamed, never guessed from a look-alike.
type cloud struct {
	instance string
	name     string
	hosts    []string
}

var clouds = []cloud{
	{"microsoftonline.com", "Azure public cloud",
		[]string{"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"}},
	{"microsoftonline.us", "Azure US Government",
		[]string{"login.microsoftonline.us", "login.usgovcloudapi.net"}},
	{"partner.microsoftonline.cn", "Azure China (21Vianet)",
		[]string{"login.partner.microsoftonline.cn", "login.chinacloudapi.cn", "sts.chinacloudapi.cn"}},
	{"microsoftonline.de", "Azure Germany (closed in 2021)",
		[]string{"login.microsoftonline.de"}},
}

// subScopes names tenant_region_sub_scope: the US government environments
// (GCC lives in the public cloud, GCC High and DoD in Azure US Government).
var subScopes = map[string]string{
	"GCC":    "GCC",
	"DODCON": "GCC High",
	"DOD":    "DoD",
}

func cloudByInstance(instance string) (cloud, bool) {
	for _, c := range clouds {
		if strings.EqualFold(c.instance, instance) {
			return c, true
		}
	}
	return cloud{}, false
}

// cloudByURL returns the cloud whose login host serves raw.
func cloudByURL(raw string) (cloud, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return cloud{}, false
	}
	host := strings.ToLower(u.Hostname())
	for _, c := range clouds {
		for _, h := range c.hosts {
			if host == h {
				return c, true
			}
		}
	}
	return cloud{}, false
}

// nameCloud names the cloud of an instance name, falling back on the login
// host of the endpoints when the answer names no instance. It returns the
// notes for what it could not name or what disagrees.
func nameCloud(instance string, endpoints ...string) (string, []string) {
	var notes []string
	var byHost cloud
	var hostKnown bool
	for _, e := range endpoints {
		if c, ok := cloudByURL(e); ok {
			byHost, hostKnown = c, true
			break
		}
	}
	if instance == "" {
		if hostKnown {
			return byHost.name, nil
		}
		return "", nil
	}
	c, ok := cloudByInstance(instance)
	if !ok {
		return "", []string{fmt.Sprintf("cloud instance %q is not one o365doctor knows; the cloud is left unnamed", instance)}
	}
	if hostKnown && byHost.instance != c.instance {
		notes = append(notes, fmt.Sprintf("cloud instance %s, but the endpoints are on a login host of %s", c.instance, byHost.name))
	}
	return c.name, notes
}

// withSubScope adds the US government environment to a cloud's name.
func withSubScope(name, subScope string) (string, []string) {
	if subScope == "" {
		return name, nil
	}
	env, ok := subScopes[strings.ToUpper(subScope)]
	if !ok {
		return name, []string{fmt.Sprintf("tenant region sub-scope %q is not one o365doctor knows", subScope)}
	}
	if name == "" {
		return "", nil
	}
	return name + " (" + env + ")", nil
}
