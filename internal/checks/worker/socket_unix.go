//go:build unix

package worker

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// launcherUser is the user the EC2 worker-pool module runs the launcher
// as: "it creates a user called spacelift with a UID of 1983"
// (docker-based-workers.md), and adds it to the docker group
// (user_data/selfhosted.tftpl).
const (
	launcherUser = "spacelift"
	launcherUID  = "1983"
)

// socketAccess judges whether the launcher's user may read and write the
// Docker socket, from the socket's owner, group and mode: this check may
// run as root, which can use any socket.
func socketAccess(v *checks.Verdict, path string, d deps) {
	fi, err := os.Stat(path)
	if err != nil {
		v.Warn("socket", "Run the check on the worker host itself.", "cannot inspect %s: %s", path, pathErr(err))
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	mode := fi.Mode().Perm()
	gid := strconv.FormatUint(uint64(st.Gid), 10)
	group := d.groupName(gid)
	v.Detail("socket", fmt.Sprintf("%s: owner uid %d, group %s, mode %s", path, st.Uid, group, mode))
	u, err := d.lookupUser(launcherUser)
	if err != nil {
		v.Pass("socket", "the current user (uid %d) can use it; there is no user %s here (the EC2 worker-pool module runs the launcher as %s, uid %s): make sure the launcher's user can too",
			d.uid(), launcherUser, launcherUser, launcherUID)
		return
	}
	who := fmt.Sprintf("user %s (uid %s)", launcherUser, u.Uid)
	if u.Uid != launcherUID {
		v.Detail("launcher user", who+"; the EC2 worker-pool module gives it uid "+launcherUID)
	}
	groups, _ := d.groupIDs(u)
	switch {
	case u.Uid == "0":
		v.Pass("socket", "%s is root", who)
	case u.Uid == strconv.FormatUint(uint64(st.Uid), 10) && mode&0o600 == 0o600:
		v.Pass("socket", "%s owns it and may read and write it", who)
	case (slices.Contains(groups, gid) || u.Gid == gid) && mode&0o060 == 0o060:
		v.Pass("socket", "%s may read and write it through the group %s", who, group)
	case mode&0o006 == 0o006:
		v.Pass("socket", "%s may read and write it (it is writable by everyone)", who)
	case slices.Contains(groups, gid) || u.Gid == gid:
		v.Fail("socket", "Let the socket's group write it (Docker creates it srw-rw----; check the daemon's -G/--group and the socket unit).",
			"%s is in the group %s, but the socket's mode %s does not let the group read and write it", who, group, mode)
	default:
		v.Fail("socket", fmt.Sprintf("Add the launcher's user to the socket's group: `usermod -aG %s %s` (the EC2 worker-pool module does this), then restart the launcher so the membership applies.", group, launcherUser),
			"%s may not write %s (owner uid %d, group %s, mode %s): the launcher could not start runs", who, path, st.Uid, group, mode)
	}
}
