Attribute VB_Name = "GendanRibbon"
' gendan.xlam - the one ribbon callback of the Gendan add-in.
'
' Every button in customUI14.xml has onAction="GendanOnAction".  The callback hands the
' button's id to Python, where macros_py.ribbon.run(id) picks the function, so adding a
' button is an XML edit and a Python function, never new VBA.
'
' RunPython comes from the xlwings add-in (open-source, BSD), which must be installed:
'     xlwings addin install
' It reads its settings (Interpreter, PYTHONPATH, UDF Modules) from xlwings.conf.
' Keep this file ASCII: the VBA project is written in the Windows code page.
Option Explicit

Private Const XLWINGS_RUNPYTHON As String = "'xlwings.xlam'!RunPython"

Public Sub GendanOnAction(control As IRibbonControl)
    GendanRun control.ID
End Sub

Public Sub GendanRun(ByVal buttonId As String)
    Dim command As String
    command = "import macros_py.ribbon as r; r.run('" & buttonId & "')"
    On Error GoTo NoXlwings
    Application.Run XLWINGS_RUNPYTHON, command
    Exit Sub
NoXlwings:
    MsgBox "Gendan needs the xlwings add-in. In a terminal run:" & vbCrLf & _
           "    pip install gendan" & vbCrLf & _
           "    xlwings addin install" & vbCrLf & _
           "then restart Excel." & vbCrLf & vbCrLf & _
           "(" & Err.Description & ")", vbExclamation, "Gendan"
End Sub
