"""ToolPref Studio, the Streamlit app: `toolpref studio` runs it (`streamlit run app/studio.py`).

The workspace comes from $TOOLPREF_HOME (set by the command from --workspace); the dataset to open first from
$TOOLPREF_STUDIO_RUN. The sidebar holds the navigation, the dataset picker and the reviewer's name.
"""

from __future__ import annotations

import streamlit as st

from app import state

# No icons on the app or its pages: Streamlit turns them into the tab's favicon, fetched from fonts.gstatic.com
# for Material icons; the studio makes no request outside the machine it runs on.
st.set_page_config(page_title="ToolPref Studio", layout="wide")

navigation = st.navigation(
    [
        st.Page("views/overview.py", title="Overview", default=True),
        st.Page("views/pairs.py", title="Pairs"),
        st.Page("views/rejects.py", title="Rejects"),
        st.Page("views/releases.py", title="Releases"),
    ]
)
st.session_state["_dataset"] = state.sidebar()
navigation.run()
