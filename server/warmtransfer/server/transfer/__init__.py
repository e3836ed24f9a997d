"""The warm transfer: its states and the one table of their moves (`states`), the state
machine that runs it over the call store and LiveKit (`coordinator`), and the LiveKit side it
needs, as a small interface (`media`). The transfer's records are SQL in `store.transfers`.

Nothing is imported here: the store imports `states`, and `coordinator` imports the store.
"""
