"""The resident form's ID number and phone, shown masked unless the user asked to see them.

The edit form used to put the full numbers into its inputs, a look at them that no audit entry
recorded. Now its inputs hold the masks (430624********0013, 138****5678). A mask submitted
unchanged stands for the stored number, so saving the form changes nothing else; a new number
is typed in full in place of the mask."""
from portal.people.masking import mask_id, mask_phone

FIELDS = (("id_number", mask_id), ("phone", mask_phone))


def unmask_unchanged(form, resident) -> None:
    """Before validation: a field still holding the stored number's mask means that number."""
    for name, mask in FIELDS:
        stored = getattr(resident, name)
        field = getattr(form, name)
        if stored and (field.data or "").strip() == mask(stored):
            field.data = stored


def mask_stored(form, resident) -> None:
    """Before rendering: a field holding the stored number shows its mask."""
    for name, mask in FIELDS:
        stored = getattr(resident, name)
        field = getattr(form, name)
        if stored and field.data == stored:
            field.data = mask(stored)
