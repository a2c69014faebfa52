package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/whatsapp-saas/gateway/client"
)

func contactTable(w *tabwriter.Writer, list ...client.ContactInfo) {
	fmt.Fprintln(w, "JID\tPHONE\tLID\tPUSH NAME\tSAVED NAME\tBUSINESS")
	for _, c := range list {
		business := ""
		if c.IsBusiness {
			business = dash(c.BusinessName)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", c.JID, dash(c.Phone), dash(c.LID), dash(c.PushName), dash(c.SavedName), dash(business))
	}
}

func blockedTable(w *tabwriter.Writer, list []string) {
	if none(w, list, "Nobody is blocked.") {
		return
	}
	fmt.Fprintln(w, "BLOCKED")
	for _, j := range list {
		fmt.Fprintln(w, j)
	}
}

func cmdContacts(r *runner, args []string) error {
	fs := r.flags("contacts")
	refresh := fs.Bool("refresh", false, "get: fetch the picture URL even when the gateway has it cached")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("give the session id: %w", errUsage)
	}
	session, pos := pos[0], pos[1:]
	sub := "list"
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
	}
	c := r.client()
	one := func() (string, error) {
		if len(pos) != 1 {
			return "", fmt.Errorf("give one phone number or JID: %w", errUsage)
		}
		return pos[0], nil
	}
	switch sub {
	case "list", "ls":
		return printedAs(r, "contacts", all(contactTable))(c.Contacts(r.ctx, session))
	case "get", "show":
		user, err := one()
		if err != nil {
			return err
		}
		ct, err := c.Contact(r.ctx, session, user, *refresh)
		if err != nil {
			return err
		}
		return r.out(ct, func(w *tabwriter.Writer) {
			contactTable(w, *ct)
			blocked := ct.Blocked != nil && *ct.Blocked
			fmt.Fprintf(w, "\nAbout\t%s\nPicture\t%s\nBlocked\t%t\n", dash(ct.About), dash(ct.PictureURL), blocked)
		})
	case "blocked":
		return printedAs(r, "blocked", blockedTable)(c.Blocked(r.ctx, session))
	case "block", "unblock":
		user, err := one()
		if err != nil {
			return err
		}
		do := c.Block
		if sub == "unblock" {
			do = c.Unblock
		}
		return printedAs(r, "blocked", blockedTable)(do(r.ctx, session, user))
	case "lid", "phone":
		v, err := one()
		if err != nil {
			return err
		}
		var m *client.LIDMapping
		if sub == "lid" {
			m, err = c.PhoneByLID(r.ctx, session, v)
		} else {
			m, err = c.LIDByPhone(r.ctx, session, strings.TrimPrefix(v, "+"))
		}
		if err != nil {
			return err
		}
		return r.out(m, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Phone\t%s\nLID\t%s\nSource\t%s\n", m.Phone, m.LID, m.Source)
		})
	}
	return fmt.Errorf("unknown contacts command %q: %w", sub, errUsage)
}
