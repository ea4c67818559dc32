"""Departments (部门: 民政办, 派出所, 司法所 …) as records of a county or a town, with their staff
and their inbox (部门联单): a case assigned to a department lands in its inbox; the department
answers it (办结), returns it with a reason (退回) or asks another department to help (协办).

models (Department, CaseAssist, DepartmentReturn), services (the records, who sees which case,
the department's steps of the loop), stats (figures by department), views and blueprint (the
admin page and the inbox)."""
