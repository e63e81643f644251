"""What runs on its own, on a clock, in small modules:

- `notices`: reminders and the digest; at each minute mark, what falls due goes into the
  outbox, and the delivery is woken at once;
- `housekeeping`: hourly, forget what is of no use any more;
- `presence`: each minute, people's Mattermost status during their meetings;
- `poll`: the loop that polls the users whose turn has come.

The delivery worker (services.delivery) posts what these put in the outbox. `app.BotApp`
builds the jobs and starts them; none of them knows of the others.
"""
