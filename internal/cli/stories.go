package cli

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/whatsapp-saas/gateway/client"
)

// Status posts (stories) and channels (newsletters). Both are sends
// through POST /messages/send (recipient status@broadcast, or the channel's
// JID), so they queue, pace and end as every other message; channels also
// have their own routes to list, look up, follow and read.

// statusChat is the chat WhatsApp keeps status posts in.
const statusChat = "status@broadcast"

// mediaFile reads a file to send as an image or video: its type from its
// name, else from its first bytes. kind ("image" or "video") must match.
func mediaFile(path, kind string) (*client.Media, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	typ := mime.TypeByExtension(strings.ToLower(filepath.Ext(path)))
	if typ == "" {
		typ = http.DetectContentType(b)
	}
	typ, _, _ = strings.Cut(typ, ";")
	if !strings.HasPrefix(typ, kind+"/") {
		return nil, fmt.Errorf("%s is %s, not an %s: %w", path, typ, kind, errUsage)
	}
	return &client.Media{Data: b, MIMEType: typ, FileName: filepath.Base(path)}, nil
}

// mediaFlags are --image and --video: at most one, read into the request.
func mediaFlags(req *client.SendRequest, image, video string) error {
	switch {
	case image != "" && video != "":
		return fmt.Errorf("give --image or --video, not both: %w", errUsage)
	case image != "":
		m, err := mediaFile(image, "image")
		if err != nil {
			return err
		}
		req.MessageType, req.Media = "image", m
	case video != "":
		m, err := mediaFile(video, "video")
		if err != nil {
			return err
		}
		req.MessageType, req.Media = "video", m
	}
	return nil
}

func cmdStatus(r *runner, args []string) error {
	fs := r.flags("status")
	image := fs.String("image", "", "post: an image file to post, the text its caption")
	video := fs.String("video", "", "post: a video file to post, the text its caption")
	to := fs.String("to", "", "post: who sees it, numbers or JIDs separated by commas (default: every contact)")
	bg := fs.String("background", "", "post: a text status's background colour (#RRGGBB)")
	fg := fs.String("text-color", "", "post: a text status's text colour (#RRGGBB)")
	font := fs.String("font", "", "post: a text status's font (system, system_bold, fb_script, …)")
	lo := pageFlags(fs, "list: ", "posts")
	session, sub, pos, err := r.listCommand(fs, args)
	if err != nil {
		return err
	}
	c := r.client()
	if sub == "list" {
		list, p, err := c.ListMessages(r.ctx, client.MessageFilter{ListOptions: *lo,
			SessionID: session, Recipient: statusChat})
		if err != nil {
			return err
		}
		return r.out(map[string]any{"messages": list, "pagination": p}, func(w *tabwriter.Writer) {
			if none(w, list, "No status posts yet, posted or received.") {
				return
			}
			fmt.Fprintln(w, "ID\tBY\tTYPE\tSTATUS\tTEXT\tAT")
			for _, m := range list {
				by := "me"
				if m.Direction == "inbound" {
					by = firstNonEmpty(m.SenderPhone, m.Sender)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, by, m.Type, m.Status, dash(trunc(m.Body, 40)), when(&m.CreatedAt))
			}
			pageLine(w, p, "posts")
		})
	}
	switch sub {
	case "post":
		req := client.SendRequest{SessionID: session, Recipient: statusChat, Message: strings.Join(pos, " ")}
		if err := mediaFlags(&req, *image, *video); err != nil {
			return err
		}
		if req.Media == nil && req.Message == "" {
			return fmt.Errorf("give the status's text, or --image/--video: %w", errUsage)
		}
		if *bg != "" || *fg != "" || *font != "" {
			req.StatusStyle = &client.StatusStyle{BackgroundColor: *bg, TextColor: *fg, Font: *font}
		}
		if *to != "" {
			for _, v := range strings.Split(*to, ",") {
				if v = strings.TrimSpace(v); v != "" {
					req.StatusAudience = append(req.StatusAudience, v)
				}
			}
		}
		m, err := c.Send(r.ctx, req)
		if err != nil {
			return err
		}
		return r.out(m, func(w *tabwriter.Writer) { messageTable(w, *m) })
	}
	return fmt.Errorf("unknown status command %q: %w", sub, errUsage)
}

func channelTable(w *tabwriter.Writer, list ...client.Channel) {
	fmt.Fprintln(w, "CHANNEL\tNAME\tROLE\tFOLLOWERS\tLINK")
	for _, ch := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", ch.JID, dash(trunc(ch.Name, 30)), dash(ch.Role), ch.Subscribers, dash(ch.InviteLink))
	}
}

func cmdChannels(r *runner, args []string) error {
	fs := r.flags("channels")
	description := fs.String("description", "", "create: the channel's description")
	count := fs.Int("count", 0, "messages: how many posts (1–100, default 20)")
	before := fs.Int("before", 0, "messages: posts before this server id")
	image := fs.String("image", "", "post: an image file to post, the text its caption")
	video := fs.String("video", "", "post: a video file to post, the text its caption")
	session, sub, pos, err := r.listCommand(fs, args)
	if err != nil {
		return err
	}
	c := r.client()
	if sub == "list" {
		list, err := c.Channels(r.ctx, session)
		if err != nil {
			return err
		}
		return r.out(map[string]any{"channels": list}, func(w *tabwriter.Writer) {
			if none(w, list, "This account follows no channel.") {
				return
			}
			channelTable(w, list...)
		})
	}
	if len(pos) == 0 {
		return fmt.Errorf("give the channel (its JID, …@newsletter, or for get its invite code): %w", errUsage)
	}
	switch sub {
	case "create":
		return printedAs(r, "channel", one(channelTable))(c.CreateChannel(r.ctx, session, strings.Join(pos, " "), *description))
	case "post":
		req := client.SendRequest{SessionID: session, Recipient: pos[0], Message: strings.Join(pos[1:], " ")}
		if err := mediaFlags(&req, *image, *video); err != nil {
			return err
		}
		if req.Media == nil && req.Message == "" {
			return fmt.Errorf("give the post's text, or --image/--video: %w", errUsage)
		}
		m, err := c.Send(r.ctx, req)
		if err != nil {
			return err
		}
		return r.out(m, func(w *tabwriter.Writer) { messageTable(w, *m) })
	}
	if len(pos) != 1 {
		return fmt.Errorf("give one channel: %w", errUsage)
	}
	ch := pos[0]
	switch sub {
	case "get", "show":
		got, err := c.Channel(r.ctx, session, ch)
		if err != nil {
			return err
		}
		return r.out(map[string]any{"channel": got}, func(w *tabwriter.Writer) {
			channelTable(w, *got)
			if got.Description != "" {
				fmt.Fprintf(w, "\n%s\n", got.Description)
			}
		})
	case "follow", "unfollow":
		do := c.FollowChannel
		if sub == "unfollow" {
			do = c.UnfollowChannel
		}
		return r.did(do(r.ctx, session, ch), map[string]any{"channel": ch, "following": sub == "follow"},
			fmt.Sprintf("%s channel %s.", map[string]string{"follow": "Following", "unfollow": "No longer following"}[sub], ch))
	case "messages", "posts":
		return printedIn(r, map[string]any{"channel": ch}, "messages", func(w *tabwriter.Writer, list []client.ChannelPost) {
			if none(w, list, "No posts.") {
				return
			}
			fmt.Fprintln(w, "SERVER ID\tTYPE\tTEXT\tVIEWS\tAT")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", strconv.Itoa(p.ServerID), p.Type, dash(trunc(p.Text, 40)), p.Views, when(&p.Timestamp))
			}
			fmt.Fprintf(w, "(older: --before %d)\n", list[0].ServerID)
		})(c.ChannelPosts(r.ctx, session, ch, *count, *before))
	}
	return fmt.Errorf("unknown channels command %q: %w", sub, errUsage)
}
