# Inviting friends and the channel bonus.

menu-invite = 🤝 Invite a friend
invite-text =
    Invite friends to the program with your personal link:
    { $link }

    When a friend makes a first purchase of { $min_purchase } or more, you get { $referrer_points } and your friend gets { $friend_points }.

    Friends joined: { $joined }, made a purchase: { $bought }.
invite-share = 📨 Share the link
invite-share-text = Join my café's loyalty program: you get { $points } after your first purchase!

channel-none = The program has no channel yet.
channel-text = Join our channel, then press “I've joined” to get your bonus.
channel-open = 📣 Open the channel
channel-joined = ✅ I've joined
channel-bonus-paid = Thank you for joining the channel! You got { $points }. Balance: { $balance }.
channel-bonus-already = You have already received the channel bonus.
error-invalid-input-channel-not-joined = You are not in the channel yet. Join it, then press “I've joined” again.
error-not-found-no-channel = The program has no channel yet.
command-friends = Invite a friend
command-channel = Our channel and its bonus
